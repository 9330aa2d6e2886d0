/// An enter into or an exit from a segment, with its instant and its cause.
public struct MembershipChange: Sendable, Equatable, CustomStringConvertible {
    /// What caused a change.
    public enum Cause: Sendable, Equatable, CustomStringConvertible {
        /// A message, by its id.
        case message(String)
        /// The passing of time: a window edge, a deadline, a threshold, a period end.
        case time
        /// The segment's definition changed (or was added or deleted).
        case definition
        /// A recomputation on the segment's cadence (population-relative segments).
        case cadence

        /// The stored name: `message`, `time`, `definition` or `cadence`.
        public var name: String {
            switch self {
            case .message: "message"
            case .time: "time"
            case .definition: "definition"
            case .cadence: "cadence"
            }
        }

        /// The message id of a `.message` cause.
        public var messageId: String? {
            if case .message(let id) = self { id } else { nil }
        }

        /// `message ID`, `time`, `definition` or `cadence`.
        public var description: String {
            messageId.map { "message \($0)" } ?? name
        }

        /// A cause from its stored name and message id; nil for an unknown name or a message without id.
        public init?(name: String, messageId: String?) {
            switch (name, messageId) {
            case ("message", let id?): self = .message(id)
            case ("time", _): self = .time
            case ("definition", _): self = .definition
            case ("cadence", _): self = .cadence
            default: return nil
            }
        }
    }

    /// The segment.
    public var segment: String
    /// The profile: a user profile id, or a groupId for segments of accounts.
    public var profile: String
    /// True for an enter, false for an exit.
    public var entered: Bool
    /// When it happened (ms since the epoch).
    public var instant: Int64
    /// Why it happened.
    public var cause: Cause

    /// A change from its parts.
    public init(segment: String, profile: String, entered: Bool, instant: Int64, cause: Cause) {
        self.segment = segment
        self.profile = profile
        self.entered = entered
        self.instant = instant
        self.cause = cause
    }

    /// `instant segment +profile (cause)`, for example `2026-07-01T00:00:05.000Z pinged -u (time)`.
    public var description: String {
        "\(Instant.format(instant)) \(segment) \(entered ? "+" : "-")\(profile) (\(cause))"
    }
}
