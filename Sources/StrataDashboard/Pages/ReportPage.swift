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

    /// A chart of the report, drawn from its table.
    struct Chart: Sendable {
        var svg: String
    }

    let kind: String
    let title: String
    let fields: [Field]
    let table: ReportTableView
    let charts: [Chart]
    let ran: Bool
    /// The page's address with its parameters, to open the whole report from another page.
    public let href: String

    /// The page of a report: its form filled from the parameters, and its table and charts when it ran.
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
        table = ReportTableView(columns: columns, rows: rows)
        charts = ran ? Self.charts(kind, columns: columns, rows: rows) : []
        self.ran = ran
        let query = parameters.sorted { $0.key < $1.key }.flatMap { name, values in
            values.map { "\(Paths.component(name))=\(Paths.component($0))" }
        }
        href = "/reports/\(kind.rawValue)" + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
    }

    /// The charts of a report's rows: retention as one curve per cohort, a funnel as bars per step for
    /// everyone and for each segment; none for overlap, whose table is its matrix.
    static func charts(_ kind: Kind, columns: [String], rows: [[JSONValue]]) -> [Chart] {
        let records = rows.map { Dictionary(zip(columns, $0), uniquingKeysWith: { first, _ in first }) }
        func ordered(_ column: String) -> [String] {
            var seen: Set<String> = []
            return records.map { ProfilePage.text($0[column]) }.filter { seen.insert($0).inserted }
        }
        switch kind {
        case .overlap:
            return []
        case .retention:
            let days = ordered("day")
            let series = ordered("cohort").map { cohort in
                SeriesChart.Series(
                    name: cohort,
                    values: days.map { day in
                        records.first {
                            ProfilePage.text($0["cohort"]) == cohort && ProfilePage.text($0["day"]) == day
                        }?["rate"]?.numberValue
                    })
            }
            return [
                Chart(
                    svg: SeriesChart(
                        labels: days.map { "day \($0)" }, series: series,
                        title: "Retention by day since day 0, one line per cohort", scale: .proportion
                    ).svg)
            ]
        case .funnel:
            return ordered("segment").map { segment in
                let steps = records.filter { ProfilePage.text($0["segment"]) == segment }
                let bars = steps.map { step in
                    let number = ProfilePage.text(step["step"])
                    let first = step["rate_from_first"]?.numberValue.map(ReportTableView.percent) ?? "–"
                    let previous = step["rate_from_previous"]?.numberValue.map(ReportTableView.percent) ?? "–"
                    return BarChart.Bar(
                        label: "step \(number)", value: Int(step["reached"]?.numberValue ?? 0),
                        note: number == "1" ? "" : "\(first) of step 1, \(previous) of the step before")
                }
                let who = segment == "–" || segment.isEmpty ? "everyone" : "members of \(segment)"
                return Chart(svg: BarChart(bars: bars, title: "Funnel of \(who): profiles reaching each step").svg)
            }
        }
    }
}
