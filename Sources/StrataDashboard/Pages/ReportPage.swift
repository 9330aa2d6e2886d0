import StrataCore

/// A report's page (`/reports/retention`, `/reports/overlap`, `/reports/funnel`): a form whose fields
/// are the report API's query parameters, so a view is a URL that can be shared, and the report's
/// table with its proportions shaded as a heat map (and written out, so colour is not the only sign).
public struct ReportPage: Sendable {
    /// The reports the pages show.
    public enum Kind: String, Sendable, CaseIterable {
        case retention, overlap, funnel

        var title: String {
            switch self {
            case .retention: "Retention"
            case .overlap: "Overlap"
            case .funnel: "Funnel"
            }
        }

        /// The form's fields: parameter, label, and a hint of what it takes.
        var fields: [(name: String, label: String, hint: String)] {
            switch self {
            case .retention:
                [
                    ("segments", "Segments", "names, separated by commas"), ("days", "Days", "for example 1,7,30,90"),
                    ("as_of", "As of", "an instant or a date; now when empty"),
                ]
            case .overlap:
                [
                    ("segments", "Segments", "two or more names, separated by commas"),
                    ("as_of", "As of", "an instant or a date; now when empty"),
                ]
            case .funnel:
                [
                    ("steps", "Step 1", "an event in quotes: \"Signed Up\""),
                    ("steps", "Step 2", "an event in quotes, or any where …"),
                    ("steps", "Step 3", "the same, or empty"), ("within", "Within", "for example 7d"),
                    ("as_of", "As of", "an instant or a date; now when empty"),
                ]
            }
        }

        /// Whether the parameters are enough to run the report.
        public func isReady(_ parameters: [String: [String]]) -> Bool {
            let named = { (name: String) in
                (parameters[name] ?? []).flatMap { $0.split(separator: ",") }.filter { !$0.isEmpty }.count
            }
            switch self {
            case .retention: return named("segments") >= 1
            case .overlap: return named("segments") >= 2
            case .funnel: return (parameters["steps"] ?? []).filter { !$0.isEmpty }.count >= 2
            }
        }
    }

    struct Field: Sendable {
        var id: String
        var name: String
        var label: String
        var hint: String
        var value: String
    }

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

    let kind: String
    let title: String
    let fields: [Field]
    let columns: [String]
    let rows: [Row]
    let ran: Bool

    /// The page of a report: its form filled from the parameters, and its table when it ran.
    public init(kind: Kind, parameters: [String: [String]], columns: [String], rows: [[JSONValue]], ran: Bool) {
        self.kind = kind.rawValue
        title = kind.title
        var used: [String: Int] = [:]
        fields = kind.fields.enumerated().map { index, field in
            let values = parameters[field.name] ?? []
            let position = used[field.name, default: 0]
            used[field.name] = position + 1
            return Field(
                id: "field-\(index)", name: field.name, label: field.label, hint: field.hint,
                value: position < values.count ? values[position] : "")
        }
        self.columns = columns
        self.rows = rows.map { row in
            Row(
                cells: zip(columns, row).map { column, value in
                    let shaded = Self.proportions.contains(column)
                    switch value {
                    case .number(let number) where shaded:
                        return Cell(
                            text: Format.percent(Int((number * 1000).rounded()), of: 1000),
                            heat: "heat-\(min(9, max(0, Int(number * 10))))", numeric: true)
                    case .number: return Cell(text: ProfilePage.text(value), heat: nil, numeric: true)
                    default: return Cell(text: ProfilePage.text(value), heat: nil, numeric: false)
                    }
                })
        }
        self.ran = ran
    }
}
