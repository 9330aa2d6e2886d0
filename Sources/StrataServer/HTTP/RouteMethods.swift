import Hummingbird
import Synchronization

/// The paths the router answers and the methods of each, so that a request the router has no route for
/// is told apart: a method the path does not take is 405 with the methods it takes in `Allow`
/// (`TRACE /v1/batch` learns that the path exists and answers POST), a path no route has is 404.
final class RouteMethods: Sendable {
    private let routes = Mutex<[(path: RouterPath, methods: [String])]>([])

    /// Learns the router's routes, once every route is registered.
    func learn(_ router: Router<BasicRequestContext>) {
        let grouped = Dictionary(grouping: router.routes, by: { $0.path.description }).values.map { routes in
            (path: routes[0].path, methods: Set(routes.map(\.method.rawValue)).sorted())
        }
        routes.withLock { $0 = grouped }
    }

    /// The methods of the routes whose path matches, sorted; empty when none matches.
    func methods(answering path: String) -> [String] {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        let found = routes.withLock { routes in routes.filter { Self.matches($0.path, segments) }.flatMap(\.methods) }
        return Set(found).sorted()
    }

    private static func matches(_ path: RouterPath, _ segments: [Substring]) -> Bool {
        var index = 0
        for element in path.components {
            if element == .recursiveWildcard { return true }
            guard index < segments.count, element ~= segments[index] else { return false }
            index += 1
        }
        return index == segments.count
    }
}
