/// How a weighted input's raw value becomes a value in [0, 1].
public enum Normalization: Sendable, Equatable {
    /// No `normalize:`: the raw value clamped to [0, 1] (bools are 0 or 1), so the score stays 0-100.
    case none
    /// `clamp`: clamped to [0, 1].
    case clamp
    /// `percentile`: the share of the population (value not missing) whose value is <= this one, 0..1.
    case percentile
    /// `range A B`: (x - A) / (B - A), clamped to [0, 1]; A > B inverts.
    case range(Double, Double)
}
