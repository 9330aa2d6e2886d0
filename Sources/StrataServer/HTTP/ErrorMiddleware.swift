import Hummingbird
import Logging

/// Answers every failure as JSON: unknown routes, oversized bodies and unexpected errors included, so
/// clients always get a reason and the server never answers with a bare status.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    )
        async throws -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as any HTTPResponseError {
            let code = error.status.code == 404 ? "not_found" : "http_\(error.status.code)"
            let message =
                error.status.code == 404
                ? "no route \(request.method) \(request.uri.path)" : error.status.reasonPhrase
            throw APIError(error.status, code, message)
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(error)"])
            throw APIError(.internalServerError, "internal", "the server could not complete the request")
        }
    }
}
