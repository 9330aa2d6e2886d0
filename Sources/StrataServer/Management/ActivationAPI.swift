import Hummingbird
import StrataActivation
import StrataCore
import StrataLanguage
import StrataRuntime
import StrataStore

/// The activation routes of the management API: activations with today's deliveries by status, the
/// delivery log, and retrying a dead or failed delivery.
struct ActivationAPI: Sendable {
    let runtime: Runtime
    let context: ActivationContext
    let outbox: Outbox
    let keys: KeyRing
    let configuration: Server.Configuration

    /// Registers the routes under `/api/v1`, behind the admin key check.
    func register(on router: Router<BasicRequestContext>) {
        let api = router.group("api/v1").add(middleware: AdminAuthMiddleware(keys: keys))
        api.get("activations") { _, _ in
            let list = try await Self.summaries(
                try await currentSettings().settings, store: runtime.store, now: configuration.clock())
            return Response.json(.object(["activations": .array(list)]))
        }
        api.get("activations/:name") { _, context in
            let name = try context.parameters.require("name")
            let current = try await currentSettings()
            guard let activation = current.settings.activations[name] else {
                throw APIError.notFound("no activation `\(name.prefix(60))`")
            }
            let since = Self.startOfToday(current.settings, now: configuration.clock())
            let counts = try await runtime.store.deliveryCounts(activation: name, since: since)
            return Response.json(DeliveryLog.summary(of: activation, counts: counts, since: since))
        }
        api.get("deliveries") { request, _ in
            let query = request.uri.queryParameters
            var filter = DeliveryQuery(
                activation: query["activation"].map(String.init), profile: query["profile"].map(String.init),
                limit: try ManagementAPI.limit(query["limit"].map(String.init)))
            if let status = query["status"].map(String.init) {
                guard let parsed = Delivery.Status(rawValue: status) else {
                    throw APIError.badRequest(
                        "status: expected one of \(Delivery.Status.allCases.map(\.rawValue).joined(separator: ", ")), found \"\(status.prefix(20))\""
                    )
                }
                filter.status = parsed
            }
            if let since = query["since"].map(String.init) {
                guard let instant = Instant.parse(since) else {
                    throw APIError.badRequest(
                        "since: expected an ISO 8601 instant or a date, found \"\(since.prefix(40))\"")
                }
                filter.since = instant
            }
            filter.before = try ManagementAPI.cursor(query["cursor"].map(String.init))
            let deliveries = try await runtime.store.deliveries(filter)
            return Response.json(
                .object([
                    "deliveries": .array(deliveries.map(\.json)),
                    "next_cursor": deliveries.count == filter.limit
                        ? deliveries.last.map { .string(String($0.id)) } ?? .null : .null,
                ]))
        }
        api.post("deliveries/:id/retry") { _, context in
            let text = try context.parameters.require("id")
            guard let id = Int64(text) else {
                throw APIError.badRequest("expected a delivery id (a whole number), found \"\(text.prefix(20))\"")
            }
            do {
                let delivery = try await DeliveryLog.retry(id: id, store: runtime.store, at: configuration.clock())
                outbox.wake()
                return Response.json(delivery.json)
            } catch let error as DeliveryLog.RetryError {
                throw error.notFound
                    ? APIError.notFound(error.message) : APIError(.conflict, "not_retriable", error.message)
            }
        }
    }

    private func currentSettings() async throws -> ActivationContext.Current {
        guard let current = await context.current() else {
            throw APIError(
                .internalServerError, "invalid_definitions",
                "the workspace's definitions have errors; `strata check` lists them")
        }
        return current
    }

    /// Every activation with its deliveries since the day began, by status, in name order, as
    /// `GET /api/v1/activations` lists them.
    static func summaries(_ settings: ActivationSettings, store: any Store, now: Int64) async throws -> [JSONValue] {
        let since = startOfToday(settings, now: now)
        var list: [JSONValue] = []
        for activation in settings.activations.values.sorted(by: { $0.name < $1.name }) {
            let counts = try await store.deliveryCounts(activation: activation.name, since: since)
            list.append(DeliveryLog.summary(of: activation, counts: counts, since: since))
        }
        return list
    }

    private static func startOfToday(_ settings: ActivationSettings, now: Int64) -> Int64 {
        let zone = settings.zone
        return zone.start(of: zone.date(at: now))
    }
}
