/// A segment's page: its figures, its size over time, a page of its members, its recent changes, the
/// activations it drives, its retention against the baseline and its overlap with the other segments
/// (the report pages' tables and charts), and its definition with the checker's warnings.
public struct SegmentPage: Sendable {
    /// A report shown on the page, or why there is none.
    public struct Report: Sendable {
        let report: ReportPage?
        let message: String?

        /// A report that ran.
        public init(_ report: ReportPage) {
            self.report = report
            message = nil
        }

        /// Why the report could not be made for this segment.
        public init(message: String) {
            report = nil
            self.message = message
        }
    }

    /// Why figures are not shown (being computed, or what failed).
    public struct Unavailable: Error, Sendable {
        public let message: String

        /// The reason, as the page says it.
        public init(_ message: String) {
            self.message = message
        }
    }

    /// A recorded change as the page lists it.
    public struct Change: Sendable, Equatable {
        public var id: Int64
        public var instant: String
        public var profile: String
        public var direction: String
        public var cause: String
        /// The profile's page (templates see stored properties only).
        let href: String

        /// A change from its parts.
        public init(id: Int64, instant: String, profile: String, direction: String, cause: String) {
            self.id = id
            self.instant = instant
            self.profile = profile
            self.direction = direction
            self.cause = cause
            href = Paths.profile(profile)
        }
    }

    /// The segment's description.
    public struct Facts: Sendable {
        public var name: String
        public var title: String?
        public var description: String?
        public var owner: String?
        public var of: String
        public var refresh: String
        public var size: Int
        public var population: Int?
        /// The text of its definition file.
        public var source: String
        /// The checker's warnings about its file, each as `file:line:col: warning: message`.
        public var diagnostics: [String]

        /// A segment's description from its parts.
        public init(
            name: String, title: String?, description: String?, owner: String?, of: String, refresh: String,
            size: Int, population: Int?, source: String, diagnostics: [String]
        ) {
            self.name = name
            self.title = title
            self.description = description
            self.owner = owner
            self.of = of
            self.refresh = refresh
            self.size = size
            self.population = population
            self.source = source
            self.diagnostics = diagnostics
        }
    }

    let name: String
    let title: String?
    let description: String?
    let owner: String?
    let of: String
    let refresh: String
    let size: String
    let share: String
    let source: String
    let diagnostics: [String]
    let chart: String?
    let points: [LineChart.Point]
    let sizesNote: String?
    let members: MemberList
    let changes: [Change]
    let newestChange: Int64?
    let activations: [ActivationsPage.Row]
    let retention: Report
    let overlap: Report

    /// The page of a segment: its facts, its size at instants (oldest first) or why they are not shown,
    /// its members sorted, the
    /// member query (`q`, a part of an id) and page number (`page`, from 1), its changes (newest
    /// first), its activations, and its retention and overlap reports.
    public init(
        facts: Facts, sizes: Result<[LineChart.Point], Unavailable>, members: [String], query: String?,
        page: String?,
        changes: [Change], activations: [ActivationsPage.Row], retention: Report, overlap: Report
    ) throws(Overview.BadParameter) {
        name = facts.name
        title = facts.title
        description = facts.description
        owner = facts.owner
        of = facts.of
        refresh = facts.refresh
        size = Format.grouped(facts.size)
        share = Format.percent(facts.size, of: facts.population ?? 0)
        source = facts.source
        diagnostics = facts.diagnostics
        switch sizes {
        case .success(let sizes):
            chart = LineChart(points: sizes, title: "\(facts.name): size over the last 30 days").svg
            (points, sizesNote) = (sizes, nil)
        case .failure(let unavailable): (chart, points, sizesNote) = (nil, [], unavailable.message)
        }
        self.members = try MemberList(members, segment: facts.name, query: query, page: page)
        self.changes = changes
        newestChange = changes.first?.id
        self.activations = activations
        self.retention = retention
        self.overlap = overlap
    }
}

/// One page of a segment's members, filtered by a part of their ids.
struct MemberList: Sendable {
    struct Member: Sendable {
        var id: String
        var href: String
    }

    /// Members on a page.
    static let pageSize = 60

    let query: String
    let matching: String
    let page: Int
    let pages: Int
    let ids: [Member]
    let previous: String?
    let next: String?

    init(_ all: [String], segment: String, query: String?, page text: String?) throws(Overview.BadParameter) {
        let query = query ?? ""
        let needle = query.lowercased()
        let found = needle.isEmpty ? all : all.filter { $0.lowercased().contains(needle) }
        let pages = max(1, (found.count + Self.pageSize - 1) / Self.pageSize)
        var page = 1
        if let text {
            guard let number = Int(text), number >= 1 else {
                throw Overview.BadParameter(
                    message: "page: expected a whole number from 1, found \"\(text.prefix(20))\"")
            }
            guard number <= pages else {
                throw Overview.BadParameter(
                    message: "page: \(number) is past the last page, \(pages), of \(found.count) matching members")
            }
            page = number
        }
        let start = (page - 1) * Self.pageSize
        self.query = query
        matching = Format.grouped(found.count)
        self.page = page
        self.pages = pages
        ids = found[start..<min(found.count, start + Self.pageSize)].map { Member(id: $0, href: Paths.profile($0)) }
        func link(_ page: Int) -> String {
            Paths.segment(segment) + "?" + (query.isEmpty ? "" : "q=\(Paths.component(query))&") + "page=\(page)"
        }
        previous = page > 1 ? link(page - 1) : nil
        next = page < pages ? link(page + 1) : nil
    }
}
