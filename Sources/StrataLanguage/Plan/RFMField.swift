/// The RFM values of a profile (LANGUAGE.md §7).
public enum RFMField: String, Sendable, Hashable, CaseIterable {
    /// Recency bin, 1-5 (5 = most recent).
    case r
    /// Frequency bin, 1-5.
    case f
    /// Monetary bin, 1-5.
    case m
    /// The three bins as a string, e.g. "545".
    case score
    /// The segment name from the RFM map.
    case segment

    /// `number` for the bins, `string` for score and segment.
    public var type: ValueType {
        switch self {
        case .r, .f, .m: .number
        case .score, .segment: .string
        }
    }
}
