import Foundation
import StrataCore
import StrataLanguage
import StrataStore

/// Email over SMTP: the step's template rendered as subject, text and (when it has one) HTML, with
/// `List-Unsubscribe` on marketing mail (RFC 8058 one-click), a `Message-ID` derived from the delivery
/// id, and, with `track_engagement`, signed click links and an open pixel in the HTML.
public struct SMTPSender: Sender {
    /// The destination's name (unsubscribes are per destination).
    public let name: String
    /// Its settings.
    public let smtp: Destination.SMTP
    /// The client, or why none could be made (a `ca_file` that cannot be read).
    let client: Result<SMTPClient, any Error>
    /// Signs unsubscribe and tracking links.
    let links: MailLinks
    /// The server's public address (`public_url`).
    let publicURL: String?
    /// The workspace's name, in Message-IDs.
    let workspace: String

    /// A sender for an SMTP destination of a workspace.
    public init(
        name: String, smtp: Destination.SMTP, root: URL, links: MailLinks, publicURL: String?, workspace: String
    ) {
        self.name = name
        self.smtp = smtp
        client = Result { try SMTPClient(smtp: smtp, root: root) }
        self.links = links
        self.publicURL = publicURL
        self.workspace = workspace
    }

    /// The address a payload goes to: the destination's `to` rendered for the profile; nil when that is
    /// empty or not an address.
    public static func recipient(of smtp: Destination.SMTP, for payload: Payload) -> MailAddress? {
        (try? Rendering.render(smtp.to, as: .text, context: payload.context())).flatMap(MailAddress.init)
    }

    public func send(_ payload: Payload, template: Template?, now: Int64) async -> SendOutcome {
        guard let template, let subject = template.subject else {
            return .fail(error: "an email step needs a template with `subject:`", status: nil, disable: false)
        }
        guard let recipient = Self.recipient(of: smtp, for: payload) else {
            return .fail(
                error: "`to` does not render to an email address for this profile", status: nil, disable: false)
        }
        let client: SMTPClient
        do {
            client = try self.client.get()
        } catch {
            return .fail(error: "cannot read `ca_file`: \(PlainError.describe(error))", status: nil, disable: false)
        }
        let delivery = payload.delivery
        var extra: [String: String] = [:]
        var headers: [(name: String, value: String)] = []
        if payload.marketing {
            guard let publicURL else {
                return .fail(error: "marketing email needs `public_url` in strata.yaml", status: nil, disable: false)
            }
            let unsubscribe = links.url(
                for: .unsubscribe(profile: delivery.profile, destination: name), publicURL: publicURL)
            extra["unsubscribe_url"] = unsubscribe
            headers = [
                ("List-Unsubscribe", "<\(unsubscribe)>"), ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
            ]
        }
        let context = payload.context(extra: extra)
        let message: MailMessage
        do {
            var html = try template.html.map { try Rendering.render($0, as: .html, context: context) }
            if smtp.trackEngagement, let publicURL, let body = html {
                let mail = MailLinks.Engagement(
                    delivery: delivery.id, profile: delivery.profile, activation: delivery.activation,
                    step: delivery.step, variant: delivery.variant)
                html = EngagementTracking.track(
                    html: body, pixel: links.url(for: .open(mail), publicURL: publicURL),
                    skipping: MailLinks.base(publicURL) + "/u/"
                ) { links.url(for: .click(mail, url: $0), publicURL: publicURL) }
            }
            message = MailMessage(
                from: smtp.from, to: recipient,
                subject: try Rendering.render(subject, as: .text, context: context),
                messageID: "delivery-\(delivery.id).\(Self.idPart(workspace))@\(smtp.from.domain)", date: now,
                text: try Rendering.render(template.text, as: .text, context: context), html: html, headers: headers)
        } catch {
            return .fail(error: "a template did not render: \(error)", status: nil, disable: false)
        }
        do throws(SMTPClient.Failure) {
            let code = try await client.send(from: smtp.from.address, to: recipient.address, message: message.rendered)
            return .sent(status: code)
        } catch {
            switch error {
            case .transient(let message, let code): return .retry(error: "SMTP: \(message)", status: code, after: nil)
            case .permanent(let message, let code):
                return .fail(error: "SMTP: \(message)", status: code, disable: false)
            }
        }
    }

    /// Text as a Message-ID may carry it: letters, digits, `-` and `.`, others as `-`.
    static func idPart(_ text: String) -> String {
        String(text.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == ".") ? $0 : "-" })
    }
}
