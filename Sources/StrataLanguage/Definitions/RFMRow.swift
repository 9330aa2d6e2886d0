/// One row of an RFM map: a segment name and the bins (1-5, inclusive) it covers.
public struct RFMRow: Sendable, Equatable {
    /// The segment name (`rfm.segment`).
    public var name: String
    /// Recency bins.
    public var r: ClosedRange<Int>
    /// Frequency bins.
    public var f: ClosedRange<Int>
    /// Monetary bins.
    public var m: ClosedRange<Int>

    /// A row from its parts; omitted ranges cover 1...5.
    public init(_ name: String, r: ClosedRange<Int> = 1...5, f: ClosedRange<Int> = 1...5, m: ClosedRange<Int> = 1...5) {
        self.name = name
        self.r = r
        self.f = f
        self.m = m
    }

    /// Whether the bins fall in this row.
    public func matches(r: Int, f: Int, m: Int) -> Bool {
        self.r.contains(r) && self.f.contains(f) && self.m.contains(m)
    }

    /// The 11-segment convention, first match wins; the last row catches the rest (docs/rfm.md).
    public static let standard: [RFMRow] = [
        RFMRow("Champions", r: 4...5, f: 4...5, m: 4...5),
        RFMRow("Loyal Customers", r: 3...5, f: 3...5),
        RFMRow("Potential Loyalist", r: 3...5, f: 2...3, m: 1...5),
        RFMRow("New Customers", r: 4...5, f: 1...1, m: 1...5),
        RFMRow("Promising", r: 3...4, f: 1...1, m: 1...5),
        RFMRow("Need Attention", r: 2...3, f: 2...3, m: 2...3),
        RFMRow("About to Sleep", r: 2...3, f: 1...2, m: 1...5),
        RFMRow("Can't Lose Them", r: 1...1, f: 4...5, m: 4...5),
        RFMRow("At Risk", r: 1...2, f: 3...5, m: 1...5),
        RFMRow("Hibernating", r: 1...2, f: 2...2, m: 1...5),
        RFMRow("Lost"),
    ]

    /// The seed documents' table (CATALOG.md, Models), then Other.
    public static let seed: [RFMRow] = [
        RFMRow("Champions", r: 5...5, f: 5...5, m: 5...5),
        RFMRow("Loyal Customers", r: 5...5, f: 4...5, m: 3...5),
        RFMRow("New Customers", r: 5...5, f: 1...2, m: 1...3),
        RFMRow("At-Risk High Value", r: 3...4, f: 4...5, m: 4...5),
        RFMRow("About-to-Churn", r: 2...3, f: 4...5, m: 4...5),
        RFMRow("Lost High-Value", r: 1...2, f: 1...2, m: 4...5),
        RFMRow("Lost Low-Value", r: 1...2, f: 1...1, m: 1...1),
        RFMRow("Average", r: 3...3, f: 3...3, m: 3...3),
        RFMRow("Other"),
    ]
}
