/// An ordered-events test: `followed_by`, `not_followed_by`, `funnel` (LANGUAGE.md §6, §8).
public struct EventSequence: Sendable, Equatable {
    /// Which test.
    public var kind: Kind
    /// The steps: A and B for the two-step forms, A, B, C... for a funnel (at least two).
    public var steps: [EventSelector]
    /// The time allowed after the first step, in milliseconds (`within: D`).
    public var within: Int64
    /// The window; it restricts only the first step (A).
    public var window: Window

    /// A sequence test from its parts.
    public init(kind: Kind, steps: [EventSelector], within: Int64, window: Window) {
        self.kind = kind
        self.steps = steps
        self.within = within
        self.window = window
    }

    /// The forms of sequence test.
    public enum Kind: String, Sendable, Equatable {
        /// Bool: some A in W has a B with a < b <= a + D.
        case followedBy = "followed_by"
        /// Bool: some A in W with a + D <= now has no B with a < b <= a + D.
        case notFollowedBy = "not_followed_by"
        /// Number 0..n: the most steps completed in order, each after the previous one, all within D of
        /// the first step (which must be in W); 0 when no first step.
        case funnel
    }
}
