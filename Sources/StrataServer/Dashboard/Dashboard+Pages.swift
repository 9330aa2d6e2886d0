import Hummingbird
import StrataActivation
import StrataCore
import StrataDashboard
import StrataEngine
import StrataLanguage
import StrataRuntime
import StrataStore

extension Dashboard {
    /// A day of the last 30 and today: its label and the entries and exits of a segment that the sizes
    /// report over the change log counts in it.
    struct Day: Sendable {
        var label: String
        var entered: Int
        var exited: Int
    }

    /// What the overview shows besides the recorded sizes, as of an instant: every segment's last 30
    /// days (the sizes report over the change log) and the health findings (the health report
    /// evaluates every definition).
    struct Trends: Sendable {
        var days: [String: [Day]]
        var findings: [String: [Overview.Flag]]
        var computedAt: Int64
    }

    /// The trends of these segments as kept (``Kept``), nil while the first are being made.
    func trends(of names: [String], session: EvaluationSession) async -> Kept<Trends>.Made? {
        await keptTrends.value(names.joined(separator: ","), maxAge: configuration.maxEvaluationAge) {
            [configuration] in
            let now = configuration.clock()
            return Trends(
                days: try await Self.days(of: names, session: session, now: now),
                findings: try await Self.findings(session: session, now: now), computedAt: now)
        }
    }

    /// The overview: the summaries and sizes of the segments API, and the ``Trends`` as kept; it waits
    /// for no evaluation of the store (populations and trends not made yet are shown as such).
    func overview(sort: String?, order: String?) async throws -> Overview {
        let sizes = try await memberships.sizes()
        let summaries = try await workbench.summaries(sizes: sizes.value, waiting: false)
        let session = try await workbench.session()
        let made = await trends(of: summaries.map(\.definition.name), session: session)
        let figures = try? made?.result.get()
        let segments = summaries.map { summary in
            let name = summary.definition.name
            let series = figures?.days[name] ?? []
            return Overview.Segment(
                name: name, title: summary.definition.title, owner: summary.definition.owner,
                refresh: summary.definition.refresh.rawValue, size: summary.size, population: summary.population,
                series: Self.sizes(series, current: summary.size), entered: series.last?.entered ?? 0,
                exited: series.last?.exited ?? 0,
                flags: figures?.findings[name] ?? [], error: summary.error)
        }
        let trends: Overview.Trends
        switch made?.result {
        case .success(let figures)?:
            trends = .asOf(
                Instant.format(figures.computedAt),
                todayStart: Instant.format(Self.startOfToday(session.zone, figures.computedAt)))
        case .failure(let error)?: trends = .failed(Self.reason(error))
        case nil: trends = .making
        }
        return try Overview(
            segments: segments, sort: sort, order: order, currentTo: Instant.format(sizes.currentTo), trends: trends)
    }

    /// What a page says of a kept figure that could not be made.
    static func reason(_ error: any Error) -> String {
        (error as? APIError)?.message ?? "\(error)"
    }

    /// A segment's page: its summary and members as the API reads them, its last 30 days from the sizes
    /// report, its recent changes from the change log, the activations it drives, and its retention
    /// against the baseline and overlap with the other segments of its kind from the report API.
    func segmentPage(_ name: String, query: String?, page: String?) async throws -> SegmentPage {
        let members = try await memberships.members(of: name)
        let sizes = try await memberships.sizes()
        let (summary, source) = try await workbench.summary(named: name, sizes: sizes.value, waiting: false)
        let session = try await workbench.session()
        let now = configuration.clock()
        let days = Self.shown(await trends(of: session.definitions.segments.map(\.name).sorted(), session: session))
            .map { $0.days[name] ?? [] }
        let definition = summary.definition
        let facts = SegmentPage.Facts(
            name: name, title: definition.title, description: definition.description, owner: definition.owner,
            of: definition.of.rawValue, refresh: definition.refresh.rawValue,
            size: summary.size ?? members.value.count, population: summary.population, source: source ?? "",
            diagnostics: session.warnings.filter { $0.file == definition.file }.map(\.description))
        return try SegmentPage(
            facts: facts,
            sizes: days.map { days in
                zip(days, Self.sizes(days, current: facts.size)).map { LineChart.Point(label: $0.label, value: $1) }
            },
            members: members.value, query: query, page: page, changes: try await recentChanges(of: name, now: now),
            activations: try await activationSummaries(now: now).summaries.compactMap(\.objectValue).map(
                ActivationsPage.Row.init
            ).filter { $0.segment == name },
            retention: try await embedded(.retention, ["segments": [name], "days": ["1,7,30"]]),
            overlap: try await overlap(of: name, definition.of, session: session))
    }

    /// The overlap report of a segment with the others of its kind (as many as the report takes), its
    /// rows of pairs led by the segment.
    private func overlap(
        of name: String, _ kind: ProfileKind, session: EvaluationSession
    ) async throws -> SegmentPage.Report {
        let others = session.definitions.segments.filter { $0.of == kind && $0.name != name }.map(\.name)
        guard !others.isEmpty else { return SegmentPage.Report(message: "it is the only segment of \(kind.rawValue)") }
        let segments = [name] + others.prefix(Overlap.maxSegments - 1)
        return try await embedded(.overlap, ["segments": [segments.joined(separator: ",")]]) {
            $0.first?.stringValue == name
        }
    }

    /// A report as a report's page shows it, as kept (``Kept``), with only the rows kept; while it is
    /// being made, or when the parameters cannot make it (a 4xx), what the page says instead.
    private func embedded(
        _ kind: ReportPage.Kind, _ parameters: [String: [String]], keep: ([JSONValue]) -> Bool = { _ in true }
    ) async throws -> SegmentPage.Report {
        switch await keptReport(kind.rawValue, parameters) {
        case .success(let table):
            return SegmentPage.Report(
                ReportPage(
                    kind: kind, parameters: parameters, columns: table.columns, rows: table.rows.filter(keep),
                    ran: true))
        case .failure(let unavailable): return SegmentPage.Report(message: unavailable.message)
        }
    }

    /// A report of the report API as kept (``Kept``), or why it is not shown: being made for the first
    /// time, or the reason it could not be.
    func keptReport(
        _ kind: String, _ parameters: [String: [String]]
    ) async -> Result<ReportTable, SegmentPage.Unavailable> {
        let key = kind + "?" + parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined()
        let made = await keptReports.value(key, maxAge: configuration.maxEvaluationAge) { [self] in
            try await reportTable(kind, parameters)
        }
        return Self.shown(made)
    }

    /// A kept figure, or why it is not shown: being made, what the parameters cannot make (a 4xx, such
    /// as a lift without a goal) in the report's own words, or what failed.
    static func shown<Value>(_ made: Kept<Value>.Made?) -> Result<Value, SegmentPage.Unavailable> {
        switch made?.result {
        case .success(let value)?: .success(value)
        case .failure(let error as APIError)? where error.status.code < 500:
            .failure(SegmentPage.Unavailable(error.message))
        case .failure(let error)?: .failure(SegmentPage.Unavailable("it could not be computed: \(reason(error))"))
        case nil: .failure(SegmentPage.Unavailable("it is being computed; reload in a moment"))
        }
    }

    /// A report of the report API for some parameters, as `GET /api/v1/reports/KIND` answers it.
    func reportTable(_ kind: String, _ parameters: [String: [String]]) async throws -> ReportTable {
        try await ReportAPI(workbench: workbench, keys: keys, configuration: configuration, clickHouse: clickHouse)
            .table(
                kind, query: ReportAPI.Query(parameters, now: configuration.clock()))
    }

    /// A report's page: the report API's table for the query's parameters (the form's empty fields left
    /// out), or only the form while they are not enough to run it.
    func reportPage(_ kind: ReportPage.Kind, _ query: [String: [String]]) async throws -> ReportPage {
        let parameters = query.mapValues { $0.filter { !$0.isEmpty } }.filter { !$0.value.isEmpty }
        guard kind.isReady(parameters) else {
            return ReportPage(kind: kind, parameters: parameters, columns: [], rows: [], ran: false)
        }
        let table = try await reportTable(kind.rawValue, parameters)
        return ReportPage(kind: kind, parameters: parameters, columns: table.columns, rows: table.rows, ran: true)
    }

    /// How many recent events and deliveries a profile's page lists.
    static let recentEvents = 50

    /// A profile's page: the object the profiles API answers, the explanation of each of its segments
    /// as the explain API gives it, and its latest deliveries.
    func profilePage(_ id: String) async throws -> ProfilePage {
        let profile = try await memberships.profile(id: id, recent: Self.recentEvents).value
        var names: [String] = []
        if case .array(let segments)? = profile["segments"] { names = segments.compactMap(\.stringValue) }
        var explained: [ProfilePage.Explained] = []
        for name in names {
            let explanation = try await workbench.explain(segment: name, profile: id)
            explained.append(
                ProfilePage.Explained(segment: name, explanation: explanation.objectValue?["text"]?.stringValue ?? ""))
        }
        let key = profile["id"]?.stringValue ?? id
        let deliveries = try await workbench.store.deliveries(
            DeliveryQuery(activation: nil, profile: key, limit: Self.recentEvents))
        return ProfilePage(
            profile: profile, explained: explained,
            deliveries: deliveries.map {
                ProfilePage.Delivery(
                    due: Instant.format($0.dueAt), activation: $0.activation, step: $0.step, status: $0.status.rawValue)
            })
    }

    /// How many recent changes a segment's page lists.
    static let recentChanges = 20

    /// The segment's latest changes of the last 30 days, newest first.
    private func recentChanges(of name: String, now: Int64) async throws -> [SegmentPage.Change] {
        var latest: [RecordedChange] = []
        var after: Int64?
        while true {
            let page = try await workbench.store.changes(
                segment: name, since: now - 30 * Cohorts.day, after: after, limit: 10_000)
            latest = Array((latest + page).suffix(Self.recentChanges))
            guard page.count == 10_000, let last = page.last else { break }
            after = last.id
        }
        return latest.reversed().map { recorded in
            SegmentPage.Change(
                id: recorded.id, instant: Instant.format(recorded.change.instant), profile: recorded.change.profile,
                direction: recorded.change.entered ? "entered" : "exited", cause: recorded.change.cause.name)
        }
    }

    /// The activations as the activations API lists them, with the start of the day their deliveries
    /// are counted from; none when the definitions have errors.
    func activationSummaries(now: Int64) async throws -> (summaries: [JSONValue], since: Int64) {
        guard let settings = await activations.current()?.settings else { return ([], now) }
        return (
            try await ActivationAPI.summaries(settings, store: workbench.store, now: now),
            Self.startOfToday(settings.zone, now)
        )
    }

    /// A segment's size at the end of each day, counted back from its size now (``History``).
    static func sizes(_ days: [Day], current: Int?) -> [Int] {
        History.sizes(current: current ?? 0, entered: days.map(\.entered), exited: days.map(\.exited))
    }

    /// The start of the day holding `now` in a zone.
    static func startOfToday(_ zone: Zone, _ now: Int64) -> Int64 {
        zone.start(of: zone.date(at: now))
    }

    /// Each segment's ``Day``s: the sizes report over the change log at the end of each of the 30 days
    /// up to today (today's end is now, since nothing later is recorded), read for its entries and exits.
    static func days(of names: [String], session: EvaluationSession, now: Int64) async throws -> [String: [Day]] {
        let today = startOfToday(session.zone, now)
        let table: ReportTable
        do throws(SessionError) {
            table = try await session.sizes(
                segments: names, from: today - 29 * Cohorts.day, to: today + Cohorts.day, every: Cohorts.day,
                source: .log)
        } catch {
            throw APIError(error, status: .internalServerError)
        }
        var days: [String: [Day]] = [:]
        for row in table.rows {
            guard let name = row[0].stringValue, let instant = row[1].stringValue.flatMap(Instant.parse) else {
                continue
            }
            days[name, default: []].append(
                Day(
                    label: session.zone.date(at: instant - 1).description,
                    entered: Int(row[3].numberValue ?? 0), exited: Int(row[4].numberValue ?? 0)))
        }
        return days
    }

    /// The health report's findings by segment.
    static func findings(session: EvaluationSession, now: Int64) async throws -> [String: [Overview.Flag]] {
        let table: ReportTable
        do throws(SessionError) {
            table = try await session.health(segments: [], asOf: now)
        } catch {
            throw APIError(error, status: .internalServerError)
        }
        var findings: [String: [Overview.Flag]] = [:]
        for row in table.rows {
            guard let code = row[0].stringValue, let segment = row[1].stringValue else { continue }
            findings[segment, default: []].append(Overview.Flag(code: code, message: row[4].stringValue ?? ""))
        }
        return findings
    }
}
