import StrataCore

/// A report's table as the pages show it: the columns the report API names and its rows, numbers
/// aligned right, and proportions written as percentages and shaded as a heat map in ten steps.
public struct ReportTableView: Sendable {
    struct Cell: Sendable {
        var text: String
        /// `heat-0` to `heat-9` for a proportion, nil otherwise.
        var heat: String?
        /// The cell's classes: `number` for a number, its heat for a proportion; nil for none.
        var style: String?

        init(text: String, heat: String?, numeric: Bool) {
            self.text = text
            self.heat = heat
            let classes = (numeric ? ["number"] : []) + (heat.map { [$0] } ?? [])
            style = classes.isEmpty ? nil : classes.joined(separator: " ")
        }
    }

    struct Row: Sendable {
        var cells: [Cell]
    }

    /// The columns that hold proportions, shaded.
    static let proportions: Set<String> = [
        "rate", "low", "high", "jaccard", "containment", "rate_from_previous", "rate_from_first",
    ]

    let columns: [String]
    let rows: [Row]

    /// The table of a report's columns and rows, as the report API answers them.
    public init(columns: [String], rows: [[JSONValue]]) {
        self.columns = columns
        self.rows = rows.map { row in
            Row(
                cells: zip(columns, row).map { column, value in
                    switch value {
                    case .number(let number) where Self.proportions.contains(column):
                        return Cell(
                            text: Self.percent(number), heat: "heat-\(min(9, max(0, Int(number * 10))))",
                            numeric: true)
                    case .number: return Cell(text: ProfilePage.text(value), heat: nil, numeric: true)
                    default: return Cell(text: ProfilePage.text(value), heat: nil, numeric: false)
                    }
                })
        }
    }

    /// A proportion as a percentage with one decimal: 0.456 is 45.6%.
    static func percent(_ fraction: Double) -> String {
        Format.percent(Int((fraction * 1000).rounded()), of: 1000)
    }
}
