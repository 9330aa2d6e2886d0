import Hummingbird
import Logging
import NIOHTTP1

/// Answers every failure as JSON: unknown routes, oversized bodies and unexpected errors included, so
/// clients always get a reason and the server never answers with a bare status.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The router's paths and methods: a request the router has no route for is 405 when its path takes
    /// other methods.
    let routes: RouteMethods

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    )
        async throws -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as any HTTPResponseError where error.status == .notFound && !(error is APIError) {
            let allowed = routes.methods(answering: request.uri.path)
            guard !allowed.isEmpty, !allowed.contains(request.method.rawValue) else {
                throw Self.apiError(for: error, request: request, logger: context.logger)
            }
            let allow = allowed.joined(separator: ", ")
            var refusal = APIError(
                .methodNotAllowed, "method_not_allowed",
                "\(request.method) is not a method of \(request.uri.path): it takes \(allow)")
            refusal.headers[.allow] = allow
            throw refusal
        } catch {
            throw Self.apiError(for: error, request: request, logger: context.logger)
        }
    }

    /// The JSON error a failure is answered with; an unexpected one is logged and answered 500.
    static func apiError(for error: any Error, request: Request, logger: Logger) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as any HTTPResponseError:
            let code = error.status.code == 404 ? "not_found" : "http_\(error.status.code)"
            let message =
                error.status.code == 404
                ? "no route \(request.method) \(request.uri.path)" : error.status.reasonPhrase
            return APIError(error.status, code, message)
        case let error as HTTPParserError:
            // A malformed body (a bad chunk size) or a client that hung up mid-body: the client's doing,
            // not the server's; a client that hung up never reads the answer.
            logger.debug("request body unreadable", metadata: ["error": "\(error)"])
            return APIError(.badRequest, "invalid_http", "the request is not valid HTTP: \(error)")
        default:
            logger.error("request failed", metadata: ["error": "\(error)"])
            return APIError(.internalServerError, "internal", "the server could not complete the request")
        }
    }
}
