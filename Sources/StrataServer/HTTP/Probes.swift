import Hummingbird
import StrataCore
import StrataRuntime

/// The probes a load balancer or an orchestrator sends, without a key and without data: `GET /health`
/// (the process answers) and `GET /ready` (the real-time memberships are ready), with the engine's
/// lag: the messages stored and not yet taken, and the instant the recorded memberships are current
/// to; with `store: clickhouse`, the lag of shipping to ClickHouse too. The detailed health stays at
/// `/api/v1/health`, behind the admin key.
struct Probes: Sendable {
    let live: LiveService
    let shipping: ClickHouseShipping?

    /// Registers `GET /health` and `GET /ready`.
    func register(on router: Router<BasicRequestContext>) {
        router.get("health") { _, _ in
            Response.json(.object(["status": .string("ok")]))
        }
        router.get("ready") { _, _ in
            let backlog = live.backlog
            var fields: [String: JSONValue] = ["lag_messages": .number(Double(backlog.messages))]
            if let lag = shipping?.lag() {
                fields["clickhouse"] = .object([
                    "lag_messages": .number(Double(lag.messages)), "lag_seconds": .number(lag.seconds),
                    "status": .string(lag.failing ? "failing" : "shipping"),
                ])
            }
            guard let currentTo = backlog.currentTo else {
                fields["status"] = .string("starting")
                var response = Response.json(.object(fields), status: .serviceUnavailable)
                response.headers[.retryAfter] = "1"
                return response
            }
            fields["status"] = .string("ready")
            return Response.json(.object(fields), currentTo: currentTo)
        }
    }
}
