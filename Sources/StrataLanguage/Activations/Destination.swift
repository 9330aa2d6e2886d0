/// Where an activation's step sends to (`destinations/NAME.yaml`).
public struct Destination: Sendable {
    /// A signed JSON POST to an HTTP endpoint.
    public struct Webhook: Sendable {
        /// The endpoint (a secret: a URL such as a chat webhook's carries its own credential).
        public var url: Secret
        /// The Standard Webhooks secret (`whsec_` and base64), when requests are signed.
        public var secret: Secret?
        /// How long one attempt may take (ms).
        public var timeout: Int64
        /// Requests in flight at once.
        public var concurrency: Int
        /// Requests started per second at most.
        public var rate: Double
        /// The delay before each retry (ms); its length is the number of retries.
        public var retries: [Int64]
        /// Extra request headers (values may be secrets).
        public var headers: [(name: String, value: Secret)]
        /// The body template's name, or nil for the default JSON body.
        public var body: String?

        /// The default retry schedule: 0s, 5s, 5m, 30m, 2h, 5h, 10h, 10h (about 27.5 hours).
        public static let defaultRetries: [Int64] = [
            0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000,
        ]
    }

    /// An email over SMTP.
    public struct SMTP: Sendable {
        /// How the connection is secured.
        public enum Security: String, Sendable, CaseIterable {
            /// Plain text upgraded with STARTTLS.
            case starttls
            /// TLS from the first byte.
            case implicit
            /// No TLS (for a local relay).
            case none
        }

        /// The server's host name.
        public var host: Secret
        /// Its port.
        public var port: Int
        /// How the connection is secured.
        public var tls: Security
        /// The user name for AUTH, if any.
        public var username: Secret?
        /// The password for AUTH, if any.
        public var password: Secret?
        /// The `From` address.
        public var from: MailAddress
        /// The `To` address, a Mustache template over the profile.
        public var to: String
        /// Whether opens and clicks are tracked.
        public var trackEngagement: Bool
        /// A PEM file of the certificates to trust instead of the system's (absolute, or relative to the workspace), for a
        /// server with a private certificate authority.
        public var caFile: String?
        /// How long one message may take, from connecting to the server's acceptance (ms).
        public var timeout: Int64
    }

    /// JSON lines appended to a file.
    public struct File: Sendable {
        /// The path, relative to the workspace, a Mustache template (`{{segment}}`, `{{activation}}`).
        public var path: String
    }

    /// "Audience Entered" / "Audience Exited" tracks to a Segment-compatible tracking API.
    public struct SegmentAPI: Sendable {
        /// The API's base URL.
        public var url: Secret
        /// The write key.
        public var writeKey: Secret
    }

    /// The kinds of destination.
    public enum Kind: Sendable {
        /// See ``Webhook``.
        case webhook(Webhook)
        /// See ``SMTP``.
        case smtp(SMTP)
        /// See ``File``.
        case file(File)
        /// See ``SegmentAPI``.
        case segment(SegmentAPI)

        /// The kind's name as written in a file; also the default channel, except `smtp`'s, which is `email`.
        public var name: String {
            switch self {
            case .webhook: "webhook"
            case .smtp: "smtp"
            case .file: "file"
            case .segment: "segment"
            }
        }
    }

    /// The destination's name (its file's stem).
    public var name: String
    /// The workspace-relative file.
    public var file: String
    /// What it is.
    public var kind: Kind
    /// The channel frequency caps count it under: its kind's (`email` for smtp) unless set.
    public var channel: String

    /// The default channel of a kind.
    public static func defaultChannel(of kind: String) -> String {
        kind == "smtp" ? "email" : kind
    }
}
