/// One step of one triggered activation, as the delivery log keeps it: recorded before anything is
/// sent, keyed by (change id, activation, step), then moved through its statuses.
public struct Delivery: Sendable, Equatable {
    /// Where a delivery stands.
    public enum Status: String, Sendable, CaseIterable {
        /// Waiting for its due instant.
        case pending
        /// Held by quiet hours until they end.
        case held
        /// Decided to send; going out now.
        case sending
        /// The destination accepted it.
        case sent
        /// An attempt failed in a way worth retrying; the next one is scheduled.
        case retrying
        /// The destination refused it for good (a 4xx other than 408 and 429, a disabled destination).
        case failed
        /// Every retry failed; kept, and retriable by hand.
        case dead
        /// The profile is in the global control group.
        case control
        /// The profile is in the activation's holdout.
        case heldOut = "held_out"
        /// The profile is outside the activation's staged rollout.
        case rollout
        /// A frequency cap left no room.
        case capped
        /// The profile left the segment before the step was due (enter triggers).
        case exited
        /// The profile came back into the segment before the step was due (exit triggers).
        case reentered
        /// The activation's `reentry` rule forbids triggering again so soon.
        case reentry
        /// The step's `when` was false (or missing) at its due instant.
        case condition
        /// The profile has no address for the destination.
        case noAddress = "no_address"
        /// The profile unsubscribed from the destination.
        case unsubscribed
        /// The activation or its step was deleted before the step was due.
        case cancelled

        /// Statuses that still have work ahead.
        public static let open: [Status] = [.pending, .held, .sending, .retrying]
        /// Statuses of a delivery being sent or waiting for its next attempt: later deliveries of its
        /// profile and activation wait behind it.
        public static let inProgress: [Status] = [.sending, .retrying]
        /// Statuses that count against frequency caps: decided to send, and not failed.
        public static let countedByCaps: [Status] = [.sending, .sent, .retrying]

        /// Whether the delivery counts against frequency caps (``countedByCaps``).
        public var countsAgainstCaps: Bool { Self.countedByCaps.contains(self) }

        /// A list of statuses as an SQL list: `('pending', 'held')`.
        static func sql(_ statuses: [Status]) -> String {
            "(" + statuses.map { "'\($0.rawValue)'" }.joined(separator: ", ") + ")"
        }
    }

    /// The record's id in the log (0 before it is stored); receivers see it as the delivery id.
    public var id: Int64
    /// The change that triggered it.
    public var changeID: Int64
    /// The activation.
    public var activation: String
    /// The step's index in the activation (0-based).
    public var step: Int
    /// The segment whose change triggered it.
    public var segment: String
    /// The profile.
    public var profile: String
    /// True when an enter triggered it, false for an exit.
    public var entered: Bool
    /// When the change happened (ms).
    public var changeInstant: Int64
    /// The change's cause (`message`, `time`, `definition`, `cadence`).
    public var cause: String
    /// The destination's name.
    public var destination: String
    /// The destination's channel, for caps.
    public var channel: String
    /// The A/B variant, when the step has a split.
    public var variant: String?
    /// Where it stands.
    public var status: Status
    /// Attempts made to send it.
    public var attempts: Int
    /// The last error, if any.
    public var lastError: String?
    /// The receiver's status code of the last attempt, if it answered.
    public var responseStatus: Int?
    /// When the step was due (the change's instant plus the step's `after`).
    public var dueAt: Int64
    /// When it is next looked at: its due instant, the end of quiet hours, or the next retry.
    public var nextAt: Int64
    /// When it was decided (to send, or not).
    public var decidedAt: Int64?
    /// When it was finished (sent, failed, dead or a decision not to send).
    public var finishedAt: Int64?
    /// Whether it was decided after its due instant had passed (the server was catching up).
    public var late: Bool

    /// A delivery from its parts; a new one is `pending`, with no attempts.
    public init(
        id: Int64 = 0, changeID: Int64, activation: String, step: Int, segment: String, profile: String, entered: Bool,
        changeInstant: Int64, cause: String, destination: String, channel: String, variant: String? = nil,
        status: Status = .pending, attempts: Int = 0, lastError: String? = nil, responseStatus: Int? = nil,
        dueAt: Int64, nextAt: Int64? = nil, decidedAt: Int64? = nil, finishedAt: Int64? = nil, late: Bool = false
    ) {
        self.id = id
        self.changeID = changeID
        self.activation = activation
        self.step = step
        self.segment = segment
        self.profile = profile
        self.entered = entered
        self.changeInstant = changeInstant
        self.cause = cause
        self.destination = destination
        self.channel = channel
        self.variant = variant
        self.status = status
        self.attempts = attempts
        self.lastError = lastError
        self.responseStatus = responseStatus
        self.dueAt = dueAt
        self.nextAt = nextAt ?? dueAt
        self.decidedAt = decidedAt
        self.finishedAt = finishedAt
        self.late = late
    }
}

/// Which deliveries to list, newest first.
public struct DeliveryQuery: Sendable, Equatable {
    /// Only this activation's.
    public var activation: String?
    /// Only this profile's.
    public var profile: String?
    /// Only deliveries in this status.
    public var status: Delivery.Status?
    /// Only deliveries due at or after this instant.
    public var since: Int64?
    /// Only deliveries with an id below this one (the next page of a newest-first list).
    public var before: Int64?
    /// At most this many.
    public var limit: Int

    /// A query from its parts.
    public init(
        activation: String? = nil, profile: String? = nil, status: Delivery.Status? = nil, since: Int64? = nil,
        before: Int64? = nil, limit: Int = 100
    ) {
        self.activation = activation
        self.profile = profile
        self.status = status
        self.since = since
        self.before = before
        self.limit = limit
    }
}
