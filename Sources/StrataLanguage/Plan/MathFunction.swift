/// The plain numeric functions.
public enum MathFunction: String, Sendable, Hashable, CaseIterable {
    /// The smallest argument (2 or more of one type: numbers, timestamps or durations).
    case least
    /// The largest argument.
    case greatest
    /// |x|.
    case abs
    /// x rounded half away from zero; `round(x, n)` to n decimal places.
    case round
    /// The largest whole number <= x.
    case floor
}
