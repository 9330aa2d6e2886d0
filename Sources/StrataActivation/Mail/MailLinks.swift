import Crypto
import Foundation

/// The signed links mail carries: unsubscribe (`/u/TOKEN`), the open pixel (`/t/o/TOKEN`) and click
/// links (`/t/c/TOKEN`). A token is the base64url of its fields, a dot, and the base64url of their
/// HMAC-SHA256 under the workspace's link key, so the server can trust what a link says without
/// storing anything per message, and a click link can only lead to the URL signed into it.
public struct MailLinks: Sendable {
    /// The mail a tracked link belongs to.
    public struct Engagement: Sendable, Equatable {
        /// The delivery that sent the mail.
        public var delivery: Int64
        /// The profile it was sent to.
        public var profile: String
        /// Its activation.
        public var activation: String
        /// The step's index.
        public var step: Int
        /// The variant, if the step has variants.
        public var variant: String?

        /// An engagement from its parts.
        public init(delivery: Int64, profile: String, activation: String, step: Int, variant: String?) {
            self.delivery = delivery
            self.profile = profile
            self.activation = activation
            self.step = step
            self.variant = variant
        }
    }

    /// What a link does.
    public enum Link: Sendable, Equatable {
        /// Unsubscribes a profile from a destination.
        case unsubscribe(profile: String, destination: String)
        /// Records that a mail was opened.
        case open(Engagement)
        /// Records a click and redirects to the URL.
        case click(Engagement, url: String)

        /// The path segment before the token.
        var route: String {
            switch self {
            case .unsubscribe: "u"
            case .open: "t/o"
            case .click: "t/c"
            }
        }

        /// The signed fields, the first naming the kind so a token of one kind is never another's.
        var fields: [String] {
            switch self {
            case .unsubscribe(let profile, let destination): ["u", profile, destination]
            case .open(let mail): ["o"] + Self.fields(of: mail)
            case .click(let mail, let url): ["c"] + Self.fields(of: mail) + [url]
            }
        }

        static func fields(of mail: Engagement) -> [String] {
            [String(mail.delivery), mail.profile, mail.activation, String(mail.step), mail.variant ?? ""]
        }

        init?(fields: [String]) {
            func engagement(_ parts: ArraySlice<String>) -> Engagement? {
                let parts = Array(parts)
                guard parts.count == 5, let delivery = Int64(parts[0]), let step = Int(parts[3]) else { return nil }
                return Engagement(
                    delivery: delivery, profile: parts[1], activation: parts[2], step: step,
                    variant: parts[4].isEmpty ? nil : parts[4])
            }
            switch fields.first {
            case "u" where fields.count == 3: self = .unsubscribe(profile: fields[1], destination: fields[2])
            case "o":
                guard let mail = engagement(fields.dropFirst()) else { return nil }
                self = .open(mail)
            case "c" where fields.count == 7:
                guard let mail = engagement(fields.dropFirst().dropLast()) else { return nil }
                self = .click(mail, url: fields[6])
            default: return nil
            }
        }
    }

    private let keyBytes: [UInt8]
    private var key: SymmetricKey { SymmetricKey(data: keyBytes) }

    /// Links signed with a workspace's link key (``StrataStore/SuppressionStore/linkKey()``).
    public init(key: [UInt8]) {
        keyBytes = key
    }

    /// The token of a link.
    public func token(for link: Link) -> String {
        let payload = Data(link.fields.joined(separator: "\u{0}").utf8)
        let mac = HMAC<SHA256>.authenticationCode(for: payload, using: key)
        return Self.base64URL(payload) + "." + Self.base64URL(Data(mac))
    }

    /// The link's address under the server's public URL.
    public func url(for link: Link, publicURL: String) -> String {
        "\(Self.base(publicURL))/\(link.route)/\(token(for: link))"
    }

    /// The public URL without a trailing `/`.
    static func base(_ publicURL: String) -> String {
        publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
    }

    /// The link a token stands for, nil when it is malformed or its signature does not match.
    public func link(from token: String) -> Link? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let payload = Self.data(base64URL: parts[0]), let mac = Self.data(base64URL: parts[1]),
            HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: payload, using: key),
            let text = String(data: payload, encoding: .utf8)
        else { return nil }
        return Link(fields: text.split(separator: "\u{0}", omittingEmptySubsequences: false).map(String.init))
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func data(base64URL text: Substring) -> Data? {
        guard text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            return nil
        }
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        standard += String(repeating: "=", count: (4 - standard.count % 4) % 4)
        return Data(base64Encoded: standard)
    }
}
