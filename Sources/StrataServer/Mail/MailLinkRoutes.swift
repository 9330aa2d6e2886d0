import Foundation
import Hummingbird
import StrataActivation
import StrataCore
import StrataStore

/// The links in Strata's mail, answered without a key: one-click unsubscribe (RFC 8058: `POST /u/TOKEN`
/// with `List-Unsubscribe=One-Click`; `GET` shows a page with a button that posts the same), the open
/// pixel (`GET /t/o/TOKEN`) and click links (`GET /t/c/TOKEN`), which record "Email Opened" and
/// "Email Link Clicked" track events for the profile. Tokens are signed (``MailLinks``): a link whose
/// signature does not match does nothing, and a click link redirects only to the URL signed into it.
struct MailLinkRoutes: Sendable {
    let store: any SuppressionStore
    let commits: GroupCommit
    let clock: @Sendable () -> Int64

    /// A transparent 1x1 GIF.
    static let pixel: [UInt8] = [
        0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF,
        0xFF, 0x21, 0xF9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2C, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00,
        0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3B,
    ]

    func register(on router: Router<BasicRequestContext>) {
        router.get("u/:token") { _, context in
            guard case .unsubscribe? = try await link(context) else { return Self.invalidLink }
            return Self.page(
                status: .ok, title: "Unsubscribe",
                body: """
                    <p>Stop receiving these emails?</p>
                    <form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click">\
                    <button type="submit">Unsubscribe</button></form>
                    """)
        }
        router.post("u/:token") { request, context in
            guard case .unsubscribe(let profile, let destination)? = try await link(context) else {
                return Self.invalidLink
            }
            let body = String(buffer: try await request.body.collect(upTo: 16 * 1024))
            guard Self.isOneClick(body) else {
                return Self.page(
                    status: .badRequest, title: "Not unsubscribed",
                    body: "<p>An unsubscribe request carries <code>List-Unsubscribe=One-Click</code>.</p>")
            }
            try await store.unsubscribe(profile: profile, destination: destination, at: clock())
            return Self.page(
                status: .ok, title: "Unsubscribed", body: "<p>You will not receive these emails again.</p>")
        }
        router.get("t/o/:token") { _, context in
            if case .open(let mail)? = try await link(context) {
                try await record("Email Opened", mail, url: nil)
            }
            var headers = HTTPFields()
            headers[.contentType] = "image/gif"
            headers[.cacheControl] = "no-store"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: Self.pixel)))
        }
        router.get("t/c/:token") { _, context in
            guard case .click(let mail, let url)? = try await link(context) else { return Self.invalidLink }
            try await record("Email Link Clicked", mail, url: url)
            var headers = HTTPFields()
            headers[.location] = url
            headers[.cacheControl] = "no-store"
            return Response(status: .found, headers: headers)
        }
    }

    /// The link of the request's token, nil when the token is not a valid one.
    private func link(_ context: BasicRequestContext) async throws -> MailLinks.Link? {
        let token = try context.parameters.require("token")
        return MailLinks(key: try await store.linkKey()).link(from: token)
    }

    /// Stores a track event of the profile's engagement with a mail.
    private func record(_ event: String, _ mail: MailLinks.Engagement, url: String?) async throws {
        let now = clock()
        var properties: [String: JSONValue] = [
            "activation": .string(mail.activation), "step": .number(Double(mail.step)),
            "variant": mail.variant.map { .string($0) } ?? .null, "delivery_id": .string(String(mail.delivery)),
        ]
        if let url { properties["url"] = .string(url) }
        let message = Message(
            kind: .track, messageId: "strata-\(UUID().uuidString.lowercased())", userId: mail.profile, event: event,
            properties: properties, timestamp: now, receivedAt: now)
        _ = try await commits.append([StoredMessage(message)], quarantine: [])
    }

    /// Whether a form body asks for one-click unsubscribe, URL-encoded or as multipart form data.
    static func isOneClick(_ body: String) -> Bool {
        body.split(separator: "&").contains {
            $0.trimmingCharacters(in: .whitespacesAndNewlines) == "List-Unsubscribe=One-Click"
        }
            || (body.contains("name=\"List-Unsubscribe\"") && body.contains("One-Click"))
    }

    static var invalidLink: Response {
        page(status: .notFound, title: "Link not valid", body: "<p>This link is not valid.</p>")
    }

    /// A small HTML page.
    static func page(status: HTTPResponse.Status, title: String, body: String) -> Response {
        let html = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">\
            <title>\(title)</title></head>
            <body style="font-family: system-ui, sans-serif; max-width: 32rem; margin: 4rem auto; padding: 0 1rem">
            <h1>\(title)</h1>
            \(body)
            </body></html>
            """
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}
