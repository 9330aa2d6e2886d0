/// An activation's page (`/activations/NAME`): its summary as `GET /api/v1/activations/NAME` answers
/// it, its settings as configured (steps, split, caps, quiet hours), its deliveries by status over the
/// last days as a chart and a table, the caps it hit, the lift report of its holdout, and a simulation
/// over the stored history.
public struct ActivationPage: Sendable {
    /// A setting as configured: its name and its value as text.
    public struct Fact: Sendable, Equatable {
        public var name: String
        public var value: String

        /// A setting from its name and value.
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// Counts by status under one label (a day, a variant).
    public struct Counts: Sendable, Equatable {
        public var label: String
        /// Deliveries by status name.
        public var counts: [String: Int]

        /// Counts from their label and their figures by status.
        public init(label: String, counts: [String: Int]) {
            self.label = label
            self.counts = counts
        }
    }

    /// What a simulation replayed and what it decided.
    public struct Simulated: Sendable {
        public var changes: Int
        public var triggers: Int
        /// Every status its deliveries have, in the order of the delivery log's statuses.
        public var statuses: [String]
        public var total: Counts
        public var days: [Counts]
        public var variants: [Counts]

        /// A simulation's figures.
        public init(
            changes: Int, triggers: Int, statuses: [String], total: Counts, days: [Counts], variants: [Counts]
        ) {
            self.changes = changes
            self.triggers = triggers
            self.statuses = statuses
            self.total = total
            self.days = days
            self.variants = variants
        }
    }

    /// A table of counts: a column per status, a row per label.
    struct CountTable: Sendable {
        struct Row: Sendable {
            var label: String
            var cells: [String]
        }

        let heading: String
        let statuses: [String]
        let rows: [Row]

        init(heading: String, statuses: [String], rows: [Counts]) {
            self.heading = heading
            self.statuses = statuses
            self.rows = rows.map { row in
                Row(label: row.label, cells: statuses.map { Format.grouped(row.counts[$0] ?? 0) })
            }
        }
    }

    /// The simulation's form and, once run, its figures.
    struct Simulation: Sendable {
        let from: String
        let to: String
        let ran: Bool
        let summary: String
        let byStatus: CountTable?
        let byDay: CountTable?
        let byVariant: CountTable?
    }

    let row: ActivationsPage.Row
    let name: String
    let facts: [Fact]
    /// The chart of the deliveries by status and day; none when no delivery was due on these days.
    let chart: String?
    let days: CountTable
    let capped: String
    let cappedToday: String
    let lift: ReportTableView?
    let liftMessage: String?
    let simulation: Simulation

    /// The page of an activation: its summary's row, its settings, its deliveries by status for each
    /// day (oldest first, today last), the lift report's table or why there is none, and the
    /// simulation's window (`from`, `to`, as given) with its figures once run.
    public init(
        row: ActivationsPage.Row, facts: [Fact], days: [Counts], lift: ReportTableView?, liftMessage: String?,
        from: String?, to: String?, simulated: Simulated?
    ) {
        self.row = row
        name = row.name
        self.facts = facts
        let statuses = Set(days.flatMap { $0.counts.filter { $0.value > 0 }.keys }).sorted()
        chart =
            statuses.isEmpty
            ? nil
            : SeriesChart(
                labels: days.map(\.label),
                series: statuses.map { status in
                    SeriesChart.Series(name: status, values: days.map { Double($0.counts[status] ?? 0) })
                }, title: "\(row.name): deliveries by status, by the day they were due", scale: .count
            ).svg
        self.days = CountTable(heading: "Due", statuses: statuses, rows: days)
        capped = Format.grouped(days.reduce(0) { $0 + ($1.counts["capped"] ?? 0) })
        cappedToday = Format.grouped(days.last?.counts["capped"] ?? 0)
        self.lift = lift
        self.liftMessage = liftMessage
        simulation = Simulation(
            from: from ?? "", to: to ?? "", ran: simulated != nil,
            summary: simulated.map { simulated in
                "\(Format.grouped(simulated.changes)) enters and exits of \(row.segment), "
                    + "\(Format.grouped(simulated.triggers)) triggers, "
                    + "\(Format.grouped(simulated.total.counts.values.reduce(0, +))) deliveries"
            } ?? "",
            byStatus: simulated.flatMap {
                $0.statuses.isEmpty ? nil : CountTable(heading: "", statuses: $0.statuses, rows: [$0.total])
            },
            byDay: simulated.flatMap {
                $0.statuses.isEmpty ? nil : CountTable(heading: "Due", statuses: $0.statuses, rows: $0.days)
            },
            byVariant: simulated.flatMap {
                $0.variants.isEmpty ? nil : CountTable(heading: "Variant", statuses: $0.statuses, rows: $0.variants)
            })
    }
}
