import Hummingbird
import Logging

/// Cross-origin access to the tracking routes, for analytics.js and other SDKs in web pages: every
/// answer says which origin may read it, and a preflight (`OPTIONS`) names the method and the headers
/// those SDKs send. Only the tracking routes have it: the management API is never read from a page of
/// another origin.
struct CORS<Context: RequestContext>: RouterMiddleware {
    /// The origins whose pages may read the answers (`cors_origins` in strata.yaml, in the form browsers
    /// send them); nil lets every origin.
    let origins: [String]?

    /// The methods a preflight allows.
    static var methods: String { "POST, OPTIONS" }
    /// The request headers a preflight allows: analytics.js's JSON body and its Basic or Bearer key.
    static var headers: String { "Content-Type, Authorization" }
    /// How long a browser may reuse a preflight's answer, in seconds (a day).
    static var maxAge: String { "86400" }

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    )
        async throws -> Response
    {
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            // Refusals carry the headers too, so that a page can read why it was refused.
            response = try ErrorMiddleware<Context>.apiError(for: error, request: request, logger: context.logger)
                .response(from: request, context: context)
        }
        if origins != nil { response.headers[.vary] = "Origin" }
        guard let allowed = allowedOrigin(request.headers[.origin]) else { return response }
        response.headers[.accessControlAllowOrigin] = allowed
        if request.method == .options {
            response.headers[.accessControlAllowMethods] = Self.methods
            response.headers[.accessControlAllowHeaders] = Self.headers
            response.headers[.accessControlMaxAge] = Self.maxAge
        }
        return response
    }

    /// The `Access-Control-Allow-Origin` value for a request's `Origin`: `*` without a list; with one,
    /// the origin itself when listed, else nil.
    func allowedOrigin(_ origin: String?) -> String? {
        guard let origins else { return "*" }
        guard let origin, origins.contains(origin.lowercased()) else { return nil }
        return origin
    }
}
