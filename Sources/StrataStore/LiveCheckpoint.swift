/// How far the live engine got: the last message it processed and its clock, stored with the changes
/// they produced so that a restart resumes exactly there.
public struct LiveCheckpoint: Sendable, Equatable {
    /// The store sequence of the last message processed.
    public var sequence: Int64
    /// The live engine's clock (ms since the epoch).
    public var instant: Int64

    /// A checkpoint from its parts.
    public init(sequence: Int64, instant: Int64) {
        self.sequence = sequence
        self.instant = instant
    }
}
