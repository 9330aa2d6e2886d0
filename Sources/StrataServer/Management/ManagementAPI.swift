import Foundation
import Hummingbird
import Logging
import StrataCore
import StrataRuntime
import StrataStore

/// The management API under `/api/v1`, for admin keys: segments, members, profiles, explanations,
/// health and metrics.
struct ManagementAPI: Sendable {
    let workbench: Workbench
    let memberships: Memberships
    let live: LiveService
    let keys: KeyRing
    let metrics: Metrics
    let configuration: Server.Configuration
    /// The background shipper to ClickHouse, with `store: clickhouse`.
    let shipping: ClickHouseShipping?
    /// Lets one write of a definition (its file, its application and the answer read back) run at a time.
    let definitionWrites = Gate()

    /// The largest definition accepted by `PUT /segments/{name}`.
    static let maxDefinitionBytes = 64 * 1024
    /// The longest segment name a route takes (a file name holds at most 255 bytes).
    static let maxNameLength = 200
    /// The default and largest page of members.
    static let defaultPage = 100
    /// See ``defaultPage``.
    static let maxPage = 10_000

    /// Registers the routes under `/api/v1`, behind the admin key check.
    func register(on router: Router<BasicRequestContext>) {
        let api = router.group("api/v1").add(middleware: AdminAuthMiddleware(keys: keys))
        api.get("health") { _, _ in
            let statistics = try await workbench.store.statistics()
            return Response.json(
                .object(["status": .string("ok"), "messages": .number(Double(statistics.messages))]))
        }
        api.get("metrics") { _, _ in
            metrics.recordLag(messages: live.backlog.messages)
            metrics.recordSQLiteMemory(bytes: SQLiteStore.memoryInUse)
            if let lag = shipping?.lag() { metrics.recordShippingLag(lag) }
            return Response.text(metrics.render(), contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
        api.get("segments") { _, _ in
            let sizes = try await memberships.sizes()
            return Response.json(try await workbench.segments(sizes: sizes.value), currentTo: sizes.currentTo)
        }
        api.get("segments/:name") { _, context in
            let name = try Self.segmentName(context)
            let sizes = try await memberships.sizes()
            return Response.json(
                try await workbench.segment(named: name, sizes: sizes.value), currentTo: sizes.currentTo)
        }
        api.put("segments/:name") { request, context in
            let name = try Self.segmentName(context)
            let text = try await Self.definitionText(request)
            // Written, applied and read back before another write begins, so the answer is this one's.
            return try await definitionWrites.exclusively {
                let isNew = try await workbench.putSegment(named: name, text: text)
                await live.definitionsDidChange()
                let sizes = try await memberships.sizes()
                return Response.json(
                    try await workbench.segment(named: name, sizes: sizes.value), currentTo: sizes.currentTo,
                    status: isNew ? .created : .ok)
            }
        }
        api.delete("segments/:name") { _, context in
            let name = try Self.segmentName(context)
            try await definitionWrites.exclusively {
                try await workbench.deleteSegment(named: name)
                await live.definitionsDidChange()
            }
            return Response(status: .noContent)
        }
        api.get("segments/:name/members") { request, context in
            let name = try Self.segmentName(context)
            let query = request.uri.queryParameters
            // Read whatever the format, so that a bad one is refused rather than ignored by CSV.
            let limit = try Self.limit(query["limit"].map(String.init))
            switch query["format"].map(String.init) {
            case "csv":
                let members = try await memberships.members(of: name)
                return Response.text(
                    try await workbench.membersCSV(of: name, members: members.value),
                    contentType: "text/csv; charset=utf-8"
                ).current(to: members.currentTo)
            case nil, "json":
                let cursor = query["cursor"].map(String.init)
                let members = try await memberships.members(of: name)
                return Response.json(
                    Workbench.page(of: members.value, segment: name, after: cursor, limit: limit),
                    currentTo: members.currentTo)
            case .some(let other):
                throw APIError.badRequest("unknown format \"\(other.prefix(20))\", expected json or csv")
            }
        }
        api.get("segments/:name/changes") { request, context in
            let name = try Self.segmentName(context)
            let query = request.uri.queryParameters
            let since = try query["since"].map { text in
                guard let instant = Instant.parse(String(text)) else {
                    throw APIError.badRequest(
                        "since: expected an ISO 8601 instant or a date, found \"\(text.prefix(40))\"")
                }
                return instant
            }
            let after = try Self.cursor(query["cursor"].map(String.init))
            let limit = try Self.limit(query["limit"].map(String.init))
            let changes = try await workbench.store.changes(segment: name, since: since, after: after, limit: limit)
            if changes.isEmpty, after == nil, since == nil, await !workbench.isDefined(segment: name) {
                throw APIError.notFound("no segment `\(name)` and no recorded changes of one")
            }
            return Response.json(
                .object([
                    "segment": .string(name), "changes": .array(changes.map(\.json)),
                    "next_cursor": changes.count == limit
                        ? changes.last.map { .string(String($0.id)) } ?? .null : .null,
                ]))
        }
        api.get("quarantine") { request, _ in
            let query = request.uri.queryParameters
            let reason = query["reason"].map(String.init)
            if let reason, MessageError.Reason(rawValue: reason) == nil {
                throw APIError.badRequest(
                    "reason: unknown reason \"\(reason.prefix(40))\", expected one of "
                        + MessageError.Reason.allCases.map(\.rawValue).joined(separator: ", "))
            }
            let limit = try Self.limit(query["limit"].map(String.init))
            let statistics = try await workbench.store.statistics()
            let entries = try await workbench.store.quarantined(reason: reason, limit: limit)
            return Response.json(
                .object([
                    "total": .number(Double(statistics.quarantined)),
                    "by_reason": .object(statistics.quarantinedByReason.mapValues { .number(Double($0)) }),
                    "entries": .array(entries.map(\.json)),
                ]))
        }
        api.get("changes/stream") { request, _ in
            let query = request.uri.queryParameters
            let segment = query["segment"].map(String.init)
            // Both are read, so that a bad one is refused even when the other is given.
            let (asked, reconnected) = (
                try Self.cursor(query["after"].map(String.init)),
                try Self.cursor(ChangeStream.lastEventID(in: request.headers))
            )
            let after = asked ?? reconnected
            return ChangeStream(feed: live.feed, segment: segment, after: after).response()
        }
        api.get("profiles/:id") { request, context in
            let id = try Self.profileId(context)
            let recent = try Self.limit(request.uri.queryParameters["recent"].map(String.init), default: 10)
            let profile = try await memberships.profile(id: id, recent: recent)
            return Response.json(.object(profile.value), currentTo: profile.currentTo)
        }
        api.delete("profiles/:id") { _, context in
            let id = try Self.profileId(context)
            guard let erasure = try await live.erase(profile: id) else {
                throw APIError.notFound("no profile with id `\(id)`")
            }
            context.logger.info(
                "profile erased",
                metadata: ["messages": "\(erasure.messages)", "ids": "\(erasure.ids.count)"])
            return Response.json(erasure.json)
        }
        api.get("profiles/:id/explain/:segment") { _, context in
            let id = try Self.profileId(context)
            let segment = try Self.segmentName(context, parameter: "segment")
            return Response.json(try await workbench.explain(segment: segment, profile: id))
        }
    }

    /// The segment name of a route, checked to be a safe file stem.
    static func segmentName(_ context: BasicRequestContext, parameter: String = "name") throws -> String {
        let name = try context.parameters.require(parameter)
        guard name.utf8.count <= maxNameLength else {
            throw APIError.badRequest("segment names are at most \(maxNameLength) characters, not \(name.utf8.count)")
        }
        guard !name.isEmpty,
            name.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" })
        else {
            throw APIError.badRequest(
                "segment names are kebab-case (lowercase letters, digits and hyphens), not \"\(name.prefix(60))\"")
        }
        return name
    }

    /// The profile id of a route, percent-decoded (an id may hold `/`, `@` or spaces).
    static func profileId(_ context: BasicRequestContext) throws -> String {
        let raw = try context.parameters.require("id")
        guard let id = raw.removingPercentEncoding, !id.isEmpty else {
            throw APIError.badRequest("expected a profile id, percent-encoded, in the path, not \"\(raw.prefix(60))\"")
        }
        return id
    }

    /// A page size from the query, 1 to ``maxPage``.
    static func limit(_ text: String?, default value: Int = defaultPage) throws -> Int {
        guard let text else { return value }
        guard let number = Int(text), (1...maxPage).contains(number) else {
            throw APIError.badRequest("expected a whole number from 1 to \(maxPage), found \"\(text.prefix(20))\"")
        }
        return number
    }

    /// A change id cursor from the query, or nil.
    static func cursor(_ text: String?) throws -> Int64? {
        guard let text else { return nil }
        guard let id = Int64(text), id >= 0 else {
            throw APIError.badRequest("expected a change id (a whole number), found \"\(text.prefix(20))\"")
        }
        return id
    }

    /// A definition body: YAML, or JSON (which YAML reads as it is), in UTF-8.
    static func definitionText(_ request: Request) async throws -> String {
        let bytes = try await BodyReader.read(request, limit: maxDefinitionBytes)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw APIError.badRequest("the definition is not valid UTF-8")
        }
        return text
    }
}

/// Lets a request through only with an active admin key as a Bearer token.
struct AdminAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let keys: KeyRing

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    )
        async throws -> Response
    {
        guard let key = Credentials.key(in: request.headers) else {
            throw APIError.unauthorized("send an admin key as a Bearer token")
        }
        guard try await keys.check(key, kind: .admin) != nil else {
            context.logger.info("management refused: unknown key", metadata: ["path": "\(request.uri.path)"])
            throw APIError.unauthorized("the key is not an active admin key")
        }
        return try await next(request, context)
    }
}
