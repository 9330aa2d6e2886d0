/// The mutable state of evaluating compiled code on one thread: which profile, which event (inside a
/// `where`), which period (inside `streak` / `count_periods`), and reusable scratch buffers.
///
/// Compiled code is shared and immutable; each worker thread owns one evaluator.
final class Evaluator {
    /// The profile being evaluated (an index into the timelines of the code's kind).
    var profile = 0
    /// The event a `where` condition is testing.
    var event = 0
    /// The window of event functions inside `streak` / `count_periods`: `[periodLow, periodHigh]`.
    var periodLow: Int64 = 0
    /// See ``periodLow``.
    var periodHigh: Int64 = 0
    /// Scratch keys for distinct counts and top values.
    var keys: [FieldKey] = []
    /// Scratch numbers (days for active_days).
    var numbers: [Int64] = []

    init() {}
}

/// Compiled code: evaluates to a value for the evaluator's current profile.
typealias Code = @Sendable (Evaluator) -> Value

/// A compiled `where` condition: whether event `i` passes, for the evaluator's current profile.
typealias Predicate = @Sendable (Evaluator, Int) -> Bool

/// A compiled window: the closed range of event times `[low, high]` it covers for the current
/// profile (empty when low > high).
typealias WindowCode = @Sendable (Evaluator) -> (low: Int64, high: Int64)
