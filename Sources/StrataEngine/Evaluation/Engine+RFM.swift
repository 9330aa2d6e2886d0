import StrataCore
import StrataLanguage

extension Engine {
    /// The RFM values of every profile of a kind, evaluating them (and what they read) on first use.
    public func rfm(kind: ProfileKind = .users) throws(EngineError) -> RFMResult {
        try rfm(kind: kind, from: Self.rfmFile, at: .start)
    }

    /// The RFM values for a reader at a location (for its error messages).
    func rfm(kind: ProfileKind, from file: String?, at location: SourceLocation) throws(EngineError) -> RFMResult {
        _ = try values(of: .rfm, kind: kind, from: file, at: location)
        guard let result = rfmResults[kind] else {
            throw EngineError("the RFM values could not be evaluated", file: file, location: location)
        }
        return result
    }

    /// Where the RFM expressions come from (their defaults included), for error messages.
    static let rfmFile = "rfm.yaml"

    /// One population pass: the raw recency, frequency and monetary values, the population, the bins by
    /// rank and the segment from the map.
    func rfmPass(kind: ProfileKind) throws(EngineError) -> RFMResult {
        let settings = definitions.rfm
        let file = Self.rfmFile
        var codes: [Code] = []
        for expression in [settings.recency, settings.frequency, settings.monetary]
            + [settings.population].compactMap(
                \.self)
        {
            try prepare(expression, kind: kind, file: file)
            codes.append(try Compiler(engine: self, file: file, scope: .init(kind: kind)).compile(expression))
        }
        let list = codes
        let raw = map(kind) { ev, profile in
            ev.profile = profile
            let values = list.prefix(3).map { code in
                if case .number(let n) = code(ev), n.isFinite { return n }
                return Double.nan
            }
            let member = list.count > 3 ? list[3](ev).isTrue : values[1] > 0
            return (recency: values[0], frequency: values[1], monetary: values[2], member: member)
        }
        return RFMResult.ranking(
            kind: kind, recency: raw.map(\.recency), frequency: raw.map(\.frequency), monetary: raw.map(\.monetary),
            members: raw.map(\.member), map: settings.map)
    }

    /// Bins 1-5 by rank among the members, ties sharing a bin (LANGUAGE.md §7):
    /// 1 + floor(5 × members with a strictly worse value / members). A missing value (NaN) is worse
    /// than every present one. Non-members get 0.
    ///
    /// - Parameter higherIsBetter: false for recency, where fewer days is better.
    static func bins(_ values: [Double], members: [Bool], higherIsBetter: Bool) -> [UInt8] {
        var present: [Double] = []
        var missing = 0
        for (value, member) in zip(values, members) where member {
            if value.isNaN { missing += 1 } else { present.append(value) }
        }
        present.sort()
        let total = present.count + missing
        return zip(values, members).map { value, member in
            guard member else { return 0 }
            var worse = 0
            if !value.isNaN {
                worse =
                    missing
                    + (higherIsBetter ? lowerBound(value, in: present) : present.count - upperBound(value, in: present))
            }
            return UInt8(1 + 5 * worse / total)
        }
    }

    /// The number of sorted values strictly below `value`.
    private static func lowerBound(_ value: Double, in sorted: [Double]) -> Int {
        var (low, high) = (0, sorted.count)
        while low < high {
            let mid = (low + high) / 2
            if sorted[mid] < value { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// The number of sorted values at or below `value`.
    private static func upperBound(_ value: Double, in sorted: [Double]) -> Int {
        var (low, high) = (0, sorted.count)
        while low < high {
            let mid = (low + high) / 2
            if sorted[mid] <= value { low = mid + 1 } else { high = mid }
        }
        return low
    }
}

extension RFMResult {
    /// Ranks raw values (NaN when missing) among the profiles of the population (``Engine/bins(_:members:higherIsBetter:)``)
    /// and names each ranked profile's segment with the first row of the map its bins match: what the
    /// engine does after its population pass, and what ClickHouse's raw values go through.
    public static func ranking(
        kind: ProfileKind, recency: [Double], frequency: [Double], monetary: [Double], members: [Bool], map: RFMMap
    ) -> RFMResult {
        let r = Engine.bins(recency, members: members, higherIsBetter: false)
        let f = Engine.bins(frequency, members: members, higherIsBetter: true)
        let m = Engine.bins(monetary, members: members, higherIsBetter: true)
        let rows = map.rows
        var segment = [Int32](repeating: -1, count: members.count)
        for profile in members.indices where members[profile] {
            let (rBin, fBin, mBin) = (Int(r[profile]), Int(f[profile]), Int(m[profile]))
            if let row = rows.firstIndex(where: { $0.matches(r: rBin, f: fBin, m: mBin) }) {
                segment[profile] = Int32(row)
            }
        }
        return RFMResult(
            kind: kind, segmentNames: rows.map(\.name), recency: recency, frequency: frequency, monetary: monetary,
            r: r, f: f, m: m, segment: segment)
    }
}
