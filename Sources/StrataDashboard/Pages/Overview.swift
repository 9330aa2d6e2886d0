/// The overview page: every segment with its size, share, a 30-day sparkline, the day's entries and
/// exits and its health flags, sorted on the server by a column named in the query.
public struct Overview: Sendable {
    /// What the page shows of one segment, as the API's accessors answer.
    public struct Segment: Sendable {
        public var name: String
        public var title: String?
        public var owner: String?
        public var refresh: String
        /// Its members now (nil when the server keeps no memberships of it).
        public var size: Int?
        /// The profiles it is evaluated over (nil when its evaluation failed).
        public var population: Int?
        /// Its size at each instant of the last 30 days, oldest first.
        public var series: [Int]
        /// Profiles that entered and exited since the day began.
        public var entered: Int
        public var exited: Int
        /// Its health findings.
        public var flags: [Flag]
        /// Why its evaluation failed, if it did.
        public var error: String?

        /// A segment's figures.
        public init(
            name: String, title: String?, owner: String?, refresh: String, size: Int?, population: Int?,
            series: [Int], entered: Int, exited: Int, flags: [Flag], error: String?
        ) {
            self.name = name
            self.title = title
            self.owner = owner
            self.refresh = refresh
            self.size = size
            self.population = population
            self.series = series
            self.entered = entered
            self.exited = exited
            self.flags = flags
            self.error = error
        }

        var share: Double {
            guard let size, let population, population > 0 else { return -1 }
            return Double(size) / Double(population)
        }
    }

    /// A health finding: its code and what it says.
    public struct Flag: Sendable, Equatable {
        public var code: String
        public var message: String

        /// A finding from its code and message.
        public init(code: String, message: String) {
            self.code = code
            self.message = message
        }
    }

    /// Where the figures that are not recorded sizes stand: the last 30 days, the day's entries and
    /// exits and the health flags come from reports too slow to make for every view, made in the
    /// background and kept.
    public enum Trends: Sendable, Equatable {
        /// Made as of an instant (ISO 8601), counting the day's entries and exits since another.
        case asOf(String, todayStart: String)
        /// Being made for the first time.
        case making
        /// Could not be made, for this reason.
        case failed(String)
    }

    /// A column the table sorts by.
    public enum Column: String, Sendable, CaseIterable {
        case name, title, owner, refresh, size, share, entered, exited, health

        var label: String {
            switch self {
            case .name: "Segment"
            case .title: "Title"
            case .owner: "Owner"
            case .refresh: "Refresh"
            case .size: "Size"
            case .share: "Share"
            case .entered: "Entered today"
            case .exited: "Exited today"
            case .health: "Health"
            }
        }

        var isNumeric: Bool { [.size, .share, .entered, .exited].contains(self) }
    }

    /// A column heading: its label, the link that sorts by it, and how the table is sorted by it now.
    struct Header: Sendable {
        var label: String
        var href: String?
        var ariaSort: String?
        var marker: String?
        var numeric: Bool
    }

    /// A row as the template shows it.
    struct Row: Sendable {
        var name: String
        var title: String
        var owner: String
        var refresh: String
        var size: String
        var share: String
        var sparkline: String
        var entered: String
        var exited: String
        var flags: [Flag]
        var error: String?
        /// Whether the sparkline, entries, exits and flags are known (``Trends/asOf(_:todayStart:)``).
        var trendsKnown: Bool
    }

    /// A query parameter the page cannot read.
    public struct BadParameter: Error, Equatable {
        public let message: String
    }

    let count: Int
    let currentTo: String
    let todayStart: String?
    let trendsAsOf: String?
    let trendsMaking: Bool
    let trendsFailed: String?
    let headers: [Header]
    let rows: [Row]

    /// The page over segments, sorted by the `sort` parameter (a ``Column``, the name by default) in
    /// the `order` parameter's direction (`asc` or `desc`; ascending by default); segments that tie
    /// keep name order. The sizes are current to `currentTo`; the segments' last 30 days, the day's
    /// entries and exits and the health flags count only when `trends` are ``Trends/asOf(_:todayStart:)``.
    public init(
        segments: [Segment], sort: String?, order: String?, currentTo: String, trends: Trends
    ) throws(BadParameter) {
        let column = try Self.column(sort)
        let descending: Bool
        switch order {
        case nil, "asc": descending = false
        case "desc": descending = true
        case let other?: throw BadParameter(message: "order: expected asc or desc, found \"\(other.prefix(20))\"")
        }
        let byName = segments.sorted { $0.name < $1.name }
        let sorted =
            descending
            ? Self.stableSort(byName) { Self.precedes($1, $0, by: column) }
            : Self.stableSort(byName) { Self.precedes($0, $1, by: column) }
        count = segments.count
        self.currentTo = currentTo
        var known = false
        switch trends {
        case .asOf(let instant, let todayStart):
            (trendsAsOf, self.todayStart, trendsMaking, trendsFailed, known) = (instant, todayStart, false, nil, true)
        case .making: (trendsAsOf, todayStart, trendsMaking, trendsFailed) = (nil, nil, true, nil)
        case .failed(let reason): (trendsAsOf, todayStart, trendsMaking, trendsFailed) = (nil, nil, false, reason)
        }
        var headers = Column.allCases.map { candidate in
            let current = candidate == column
            let next = current && !descending ? "desc" : "asc"
            return Header(
                label: candidate.label, href: "/?sort=\(candidate.rawValue)&order=\(next)",
                ariaSort: current ? (descending ? "descending" : "ascending") : nil,
                marker: current ? (descending ? "▼" : "▲") : nil, numeric: candidate.isNumeric)
        }
        // The sparkline's column sits before the entries and sorts by nothing.
        headers.insert(
            Header(label: "Last 30 days", href: nil, ariaSort: nil, marker: nil, numeric: false),
            at: Column.allCases.firstIndex(of: .entered) ?? headers.count)
        self.headers = headers
        rows = sorted.map { segment in
            Row(
                name: segment.name, title: segment.title ?? "", owner: segment.owner ?? "", refresh: segment.refresh,
                size: segment.size.map(Format.grouped) ?? "–",
                share: segment.size.map { Format.percent($0, of: segment.population ?? 0) } ?? "–",
                sparkline: known
                    ? Sparkline(values: segment.series, label: "\(segment.name): size over the last 30 days").svg : "",
                entered: known ? Format.grouped(segment.entered) : "–",
                exited: known ? Format.grouped(segment.exited) : "–",
                flags: segment.flags, error: segment.error, trendsKnown: known)
        }
    }

    private static func column(_ text: String?) throws(BadParameter) -> Column {
        guard let text else { return .name }
        guard let column = Column(rawValue: text) else {
            throw BadParameter(
                message: "sort: expected one of \(Column.allCases.map(\.rawValue).joined(separator: ", ")), "
                    + "found \"\(text.prefix(20))\"")
        }
        return column
    }

    private static func precedes(_ a: Segment, _ b: Segment, by column: Column) -> Bool {
        switch column {
        case .name: a.name < b.name
        case .title: (a.title ?? "") < (b.title ?? "")
        case .owner: (a.owner ?? "") < (b.owner ?? "")
        case .refresh: a.refresh < b.refresh
        case .size: (a.size ?? -1) < (b.size ?? -1)
        case .share: a.share < b.share
        case .entered: a.entered < b.entered
        case .exited: a.exited < b.exited
        case .health: a.flags.count + (a.error == nil ? 0 : 1) < b.flags.count + (b.error == nil ? 0 : 1)
        }
    }

    /// Sorts keeping the order of elements that neither precedes.
    private static func stableSort(_ items: [Segment], by precedes: (Segment, Segment) -> Bool) -> [Segment] {
        items.enumerated().sorted { x, y in
            precedes(x.element, y.element) || (!precedes(y.element, x.element) && x.offset < y.offset)
        }.map(\.element)
    }
}
