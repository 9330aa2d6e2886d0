import Hummingbird
import StrataCore

/// The probes a load balancer or an orchestrator sends, without a key and without data: `GET /health`
/// (the process answers) and `GET /ready` (the real-time memberships are ready, so reads of
/// memberships answer at once). The detailed health stays at `/api/v1/health`, behind the admin key.
struct Probes: Sendable {
    let live: LiveService

    /// Registers `GET /health` and `GET /ready`.
    func register(on router: Router<BasicRequestContext>) {
        router.get("health") { _, _ in
            Response.json(.object(["status": .string("ok")]))
        }
        router.get("ready") { _, _ in
            guard await live.isReady else {
                var response = Response.json(.object(["status": .string("starting")]), status: .serviceUnavailable)
                response.headers[.retryAfter] = "1"
                return response
            }
            return Response.json(.object(["status": .string("ready")]))
        }
    }
}
