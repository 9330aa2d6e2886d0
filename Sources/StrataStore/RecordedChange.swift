import StrataCore

/// A membership change as the change log keeps it: its position in the log and when it was recorded.
public struct RecordedChange: Sendable, Equatable {
    /// The change's position in the log: increasing in recording order, a cursor for reading on.
    public var id: Int64
    /// The change.
    public var change: MembershipChange
    /// When it was recorded (ms since the epoch).
    public var recordedAt: Int64

    /// A recorded change from its parts.
    public init(id: Int64, change: MembershipChange, recordedAt: Int64) {
        self.id = id
        self.change = change
        self.recordedAt = recordedAt
    }
}
