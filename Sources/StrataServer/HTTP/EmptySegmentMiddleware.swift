import Hummingbird

/// Answers 404 to a path with an empty segment (`/api/v1/segments//paying`): the router reads paths
/// without empty segments, so such a path would otherwise reach the route of another one.
struct EmptySegmentMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    )
        async throws -> Response
    {
        guard !request.uri.path.contains("//") else {
            throw APIError.notFound("no route \(request.method) \(request.uri.path): the path has an empty segment")
        }
        return try await next(request, context)
    }
}
