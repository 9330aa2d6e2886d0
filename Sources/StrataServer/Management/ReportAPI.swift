import Hummingbird
import StrataCore
import StrataEngine
import StrataLanguage
import StrataRuntime

/// `GET /api/v1/reports/{kind}`: the reports of `strata report` and `strata health`, with the same
/// numbers, as JSON (`{"rows": [...], settings}`) or CSV (`?format=csv`). Parameters mirror the
/// command's flags: `segments=a,b`, `as_of`, `anchor`, `from`, `to`, `baseline`, `return`, `days`,
/// `mode`, `compare_day`, `goal`, `within`, `every`, `source`, `steps` (repeated), `by`, `activation`.
/// With `clickHouse` (`store: clickhouse`), the reports evaluate inside ClickHouse as the commands do,
/// once the server's background shipping holds every message stored by the request.
struct ReportAPI: Sendable {
    let workbench: Workbench
    let keys: KeyRing
    let configuration: Server.Configuration
    let clickHouse: ClickHouseAccess?

    static let kinds = ["retention", "conversion", "overlap", "sizes", "decay", "funnel", "lift", "health"]

    func register(on router: Router<BasicRequestContext>) {
        let api = router.group("api/v1").add(middleware: AdminAuthMiddleware(keys: keys))
        api.get("reports/:kind") { request, context in
            let kind = try context.parameters.require("kind")
            guard Self.kinds.contains(kind) else {
                throw APIError.notFound(
                    "no report `\(kind.prefix(40))`: expected one of \(Self.kinds.joined(separator: ", "))")
            }
            let query = Query(request.uri.queryParameters, now: configuration.clock())
            let table = try await self.table(kind, query: query)
            switch try query.text("format") ?? "json" {
            case "json": return Response.json(table.json)
            case "csv": return Response.text(table.csv, contentType: "text/csv; charset=utf-8")
            case let other: throw APIError.badRequest("format: expected json or csv, found \"\(other.prefix(20))\"")
            }
        }
    }

    /// A report of a kind over the workspace's session, its parameters checked first; a mistake in
    /// them is a 400 that names the parameter.
    func table(_ kind: String, query: Query) async throws -> ReportTable {
        do throws(SessionError) {
            try query.checkChoices()
        } catch {
            throw APIError(error, status: .internalServerError)
        }
        let session = try await workbench.session()
        do throws(SessionError) {
            return try await report(kind, query: query, session: session)
        } catch {
            throw APIError(error, status: .internalServerError)
        }
    }

    private func report(
        _ kind: String, query: Query, session: EvaluationSession
    ) async throws(SessionError)
        -> ReportTable
    {
        let instant = try query.instant("as_of") ?? query.now
        let segments = try query.list("segments")
        switch kind {
        case "retention":
            return try await session.retention(
                segments: segments, cohorts: try query.cohorts(), returns: try query.text("return") ?? "any",
                days: try query.days() ?? [1, 7, 30, 90], mode: try query.choice("mode") ?? .on,
                compareDay: try query.whole("compare_day") ?? 30, asOf: instant, clickHouse: clickHouse
            ).table
        case "conversion":
            guard let goal = try query.text("goal") else { throw SessionError(.invalidArgument, "goal: required") }
            return try await session.conversion(
                segments: segments, cohorts: try query.cohorts(), goal: goal,
                within: try query.duration("within") ?? 30 * Cohorts.day, asOf: instant, clickHouse: clickHouse)
        case "overlap":
            return try await session.overlap(segments: segments, asOf: instant, clickHouse: clickHouse)
        case "sizes":
            guard let from = try query.instant("from"), let to = try query.instant("to") else {
                throw SessionError(.invalidArgument, "from and to: required instants")
            }
            return try await session.sizes(
                segments: segments, from: from, to: to, every: try query.duration("every") ?? Cohorts.day,
                source: try query.choice("source") ?? .auto, clickHouse: clickHouse)
        case "decay":
            return try await session.decay(segments: segments, days: try query.days() ?? [1, 7, 30, 90], asOf: instant)
        case "funnel":
            return try await session.funnel(
                steps: query.values("steps"), within: try query.duration("within") ?? 7 * Cohorts.day,
                by: try query.list("by"), asOf: instant, clickHouse: clickHouse)
        case "lift":
            guard let activation = try query.text("activation") else {
                throw SessionError(.invalidArgument, "activation: required")
            }
            return try await session.lift(
                activation: activation, goal: try query.text("goal"), within: try query.duration("within"),
                asOf: instant, clickHouse: clickHouse)
        default:
            return try await session.health(segments: segments, asOf: instant, clickHouse: clickHouse)
        }
    }

    /// The query parameters of a report request, read with errors that name the parameter.
    struct Query {
        let parameters: [String: [String]]
        let now: Int64

        init(_ parameters: Hummingbird.Parameters, now: Int64) {
            var all: [String: [String]] = [:]
            for (key, value) in parameters { all[String(key), default: []].append(String(value)) }
            self.init(all, now: now)
        }

        /// The parameters by name, each with its values in order.
        init(_ parameters: [String: [String]], now: Int64) {
            self.parameters = parameters
            self.now = now
        }

        func values(_ name: String) -> [String] { parameters[name] ?? [] }

        func text(_ name: String) throws(SessionError) -> String? { parameters[name]?.last }

        func list(_ name: String) throws(SessionError) -> [String] {
            values(name).flatMap { $0.split(separator: ",").map(String.init) }.filter { !$0.isEmpty }
        }

        func instant(_ name: String) throws(SessionError) -> Int64? {
            guard let text = try text(name) else { return nil }
            guard let instant = Instant.parse(text) else {
                throw SessionError(
                    .invalidArgument, "\(name): expected an ISO 8601 instant or a date, found \"\(text.prefix(40))\"")
            }
            return instant
        }

        func duration(_ name: String) throws(SessionError) -> Int64? {
            guard let text = try text(name) else { return nil }
            guard let duration = DurationText.milliseconds(text), duration > 0 else {
                throw SessionError(
                    .invalidArgument, "\(name): expected a duration such as 7d or 12h, found \"\(text.prefix(20))\"")
            }
            return duration
        }

        func whole(_ name: String) throws(SessionError) -> Int? {
            guard let text = try text(name) else { return nil }
            guard let number = Int(text), number >= 0 else {
                throw SessionError(.invalidArgument, "\(name): expected a whole number, found \"\(text.prefix(20))\"")
            }
            return number
        }

        func choice<T: RawRepresentable & CaseIterable>(_ name: String) throws(SessionError) -> T?
        where T.RawValue == String {
            guard let text = try text(name) else { return nil }
            guard let value = T(rawValue: text) else {
                let allowed = T.allCases.map(\.rawValue).joined(separator: ", ")
                throw SessionError(
                    .invalidArgument, "\(name): expected one of \(allowed), found \"\(text.prefix(20))\"")
            }
            return value
        }

        /// Checks the parameters with a fixed set of values whatever the report, so that a value out of
        /// the set is refused rather than ignored by a report that does not read it.
        func checkChoices() throws(SessionError) {
            let _: SizeSource? = try choice("source")
            let _: Cohorts.Mode? = try choice("mode")
            _ = try cohorts()
        }

        func days() throws(SessionError) -> [Int]? {
            guard let text = try text("days") else { return nil }
            let days = text.split(separator: ",").map { Int($0) }
            guard !days.isEmpty, days.allSatisfy({ ($0 ?? -1) >= 0 }) else {
                throw SessionError(
                    .invalidArgument, "days: expected whole numbers separated by commas, found \"\(text.prefix(40))\"")
            }
            return days.compactMap { $0 }
        }

        func cohorts() throws(SessionError) -> CohortOptions {
            var baseline = true
            if let text = try text("baseline") {
                guard let flag = Bool(text) else {
                    throw SessionError(
                        .invalidArgument, "baseline: expected true or false, found \"\(text.prefix(20))\"")
                }
                baseline = flag
            }
            return CohortOptions(
                anchor: try choice("anchor") ?? .firstSeen, from: try instant("from"), to: try instant("to"),
                baseline: baseline)
        }
    }
}
