/// The workspace's messaging rules: `public_url` and `messaging:` in `strata.yaml`.
public struct Messaging: Sendable {
    /// A frequency cap: at most `max` deliveries per profile on a channel within a rolling window.
    public struct Cap: Sendable, Equatable {
        /// The channel (`email`, `webhook`, ... or `any` for every channel).
        public var channel: String
        /// The most deliveries allowed in the window.
        public var max: Int
        /// The window's length (ms).
        public var per: Int64

        /// A cap from its parts.
        public init(channel: String, max: Int, per: Int64) {
            self.channel = channel
            self.max = max
            self.per = per
        }
    }

    /// Daily quiet hours, as minutes after midnight in the profile's zone; `start > end` spans midnight.
    public struct QuietHours: Sendable, Equatable {
        /// When quiet hours begin (minutes after midnight).
        public var start: Int
        /// When they end (minutes after midnight).
        public var end: Int

        /// Quiet hours from minutes after midnight.
        public init(start: Int, end: Int) {
            self.start = start
            self.end = end
        }
    }

    /// The server's public address, for unsubscribe and tracking links.
    public var publicURL: String?
    /// The frequency caps.
    public var caps: [Cap] = []
    /// The share of profiles never sent marketing activations, in basis points.
    public var globalControl = 0
    /// The scope of the global-control bucket; nil means the workspace's name.
    public var salt: String?
    /// Quiet hours, if any.
    public var quietHours: QuietHours?

    /// No caps, no control group, no quiet hours.
    public init() {}
}
