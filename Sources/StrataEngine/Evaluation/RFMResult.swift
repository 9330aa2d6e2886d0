import StrataLanguage

/// The RFM values of every profile of a kind at one instant (LANGUAGE.md §7).
///
/// Profiles outside the RFM population have no bins and no segment: every `rfm.*` value is missing for
/// them.
public struct RFMResult: Sendable {
    /// Whether the profiles are users or accounts.
    public var kind: ProfileKind
    /// The segment names of the map, in map order.
    public var segmentNames: [String]
    /// The raw recency of each profile (NaN when missing).
    public var recency: [Double]
    /// The raw frequency of each profile (NaN when missing).
    public var frequency: [Double]
    /// The raw monetary value of each profile (NaN when missing).
    public var monetary: [Double]
    /// The recency bin of each profile, 1-5 (5 = most recent), or 0 outside the population.
    public var r: [UInt8]
    /// The frequency bin of each profile, 1-5, or 0 outside the population.
    public var f: [UInt8]
    /// The monetary bin of each profile, 1-5, or 0 outside the population.
    public var m: [UInt8]
    /// The index into ``segmentNames`` of each profile's segment, or -1 (outside the population, or no
    /// row of a custom map matched).
    public var segment: [Int32]

    /// A result from its parts.
    public init(
        kind: ProfileKind, segmentNames: [String], recency: [Double], frequency: [Double], monetary: [Double],
        r: [UInt8], f: [UInt8], m: [UInt8], segment: [Int32]
    ) {
        self.kind = kind
        self.segmentNames = segmentNames
        self.recency = recency
        self.frequency = frequency
        self.monetary = monetary
        self.r = r
        self.f = f
        self.m = m
        self.segment = segment
    }

    /// Whether a profile is in the RFM population.
    public func isRanked(_ profile: Int) -> Bool { r[profile] != 0 }

    /// How many profiles are in the RFM population.
    public var rankedCount: Int { r.reduce(0) { $0 + ($1 == 0 ? 0 : 1) } }

    /// The segment name of a profile, or nil.
    public func segmentName(of profile: Int) -> String? {
        let index = Int(segment[profile])
        return index < 0 ? nil : segmentNames[index]
    }

    /// An `rfm.*` value of a profile; missing outside the population.
    public func value(_ field: RFMField, of profile: Int) -> Value {
        guard isRanked(profile) else { return .missing }
        switch field {
        case .r: return .number(Double(r[profile]))
        case .f: return .number(Double(f[profile]))
        case .m: return .number(Double(m[profile]))
        case .score: return .string("\(r[profile])\(f[profile])\(m[profile])")
        case .segment: return segmentName(of: profile).map(Value.string) ?? .missing
        }
    }

    /// The ranked profiles in each segment of the map, in map order (segments with none included).
    public var segmentCounts: [(name: String, count: Int)] {
        var counts = [Int](repeating: 0, count: segmentNames.count)
        for index in segment where index >= 0 { counts[Int(index)] += 1 }
        return zip(segmentNames, counts).map { ($0, $1) }
    }

    /// The ranked profiles per recency and frequency bin: `grid[r - 1][f - 1]`.
    public var grid: [[Int]] {
        var cells = [[Int]](repeating: [Int](repeating: 0, count: 5), count: 5)
        for (rBin, fBin) in zip(r, f) where rBin != 0 { cells[Int(rBin) - 1][Int(fBin) - 1] += 1 }
        return cells
    }
}
