import Foundation
import Hummingbird
import HummingbirdTesting
import StrataServer
import Testing

@Suite("OpenAPI document")
struct OpenAPITests {
    /// `METHOD /path` for every operation of docs/openapi.yaml, read from its `paths` section.
    static func documentedRoutes() throws -> Set<String> {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/openapi.yaml")
        let text = try String(contentsOf: url, encoding: .utf8)
        var routes: Set<String> = []
        var inPaths = false
        var path: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if !line.hasPrefix(" ") && !line.isEmpty { inPaths = line == "paths:" }
            guard inPaths else { continue }
            if line.hasPrefix("  /") && line.hasSuffix(":") {
                path = String(line.dropFirst(2).dropLast())
            } else if let path, line.hasPrefix("    "), !line.hasPrefix("     "), line.hasSuffix(":") {
                let method = line.trimmingCharacters(in: .whitespaces).dropLast().uppercased()
                if ["GET", "PUT", "POST", "DELETE", "OPTIONS"].contains(method) { routes.insert("\(method) \(path)") }
            }
        }
        return routes
    }

    @Test("the document describes exactly the routes the server declares")
    func documentMatchesDeclaredRoutes() throws {
        let documented = try Self.documentedRoutes()
        // 15 tracking routes (13 Segment, 2 PostHog), each with a preflight, and 28 others (4 of them the
        // reports with a required parameter).
        #expect(documented.count == 58)
        #expect(documented.filter { $0.hasPrefix("OPTIONS ") }.count == 15)
        #expect(documented == Set(Server.routes))
    }

    /// The probes and the links in mail, which answer without a key (and show no data).
    static let open: Set<String> = [
        "GET /health", "GET /ready", "GET /u/{token}", "POST /u/{token}", "GET /t/o/{token}", "GET /t/c/{token}",
    ]

    @Test(
        "every documented route is served: without a key each answers 401 but the probes, mail links and preflights, and an undocumented one 404"
    )
    func documentedRoutesAreServed() async throws {
        let documented = try Self.documentedRoutes()
        #expect(Self.open.isSubset(of: documented))
        let harness = try await Harness()
        try await harness.run { client in
            for route in documented.sorted() {
                let parts = route.split(separator: " ")
                let uri = parts[1].replacingOccurrences(of: "{name}", with: "buyers")
                    .replacingOccurrences(of: "{id}", with: "u1").replacingOccurrences(of: "{segment}", with: "buyers")
                    .replacingOccurrences(of: "{token}", with: "not-a-token")
                    .replacingOccurrences(of: "{kind}", with: "retention")
                let method = try #require(HTTPRequest.Method(String(parts[0])))
                try await client.execute(uri: uri, method: method) { response in
                    switch route {
                    case _ where route.hasPrefix("OPTIONS "): #expect(response.status == .noContent, "\(route)")
                    case "GET /health": #expect(response.status == .ok)
                    // Ready or still starting, never behind a key.
                    case "GET /ready": #expect([.ok, .serviceUnavailable].contains(response.status))
                    // A mail link that is not signed does nothing; the pixel answers anyway.
                    case "GET /t/o/{token}": #expect(response.status == .ok)
                    case "GET /u/{token}", "POST /u/{token}", "GET /t/c/{token}": #expect(response.status == .notFound)
                    default: #expect(response.status == .unauthorized, "\(route)")
                    }
                }
            }
            try await client.execute(uri: "/v1/unknown", method: .post) { #expect($0.status == .notFound) }
        }
    }

    @Test(
        "the dashboard's pages are outside the document: without a session each sends the visitor to sign in, but the form and the assets"
    )
    func pagesAreServed() async throws {
        #expect(Set(Server.pageRoutes).isDisjoint(with: try Self.documentedRoutes()))
        let harness = try await Harness()
        try await harness.run { client in
            for route in Server.pageRoutes {
                let parts = route.split(separator: " ")
                let uri = parts[1].replacingOccurrences(of: "{name}", with: "buyers")
                    .replacingOccurrences(of: "{id}", with: "u1").replacingOccurrences(of: "{kind}", with: "retention")
                let method = try #require(HTTPRequest.Method(String(parts[0])))
                try await client.execute(uri: uri, method: method) { response in
                    switch route {
                    case "GET /login", "GET /dashboard/style.css", "GET /dashboard/icon.svg", "GET /dashboard/live.js":
                        #expect(response.status == .ok, "\(route)")
                    // The form without its CSRF token.
                    case "POST /login": #expect(response.status == .forbidden)
                    default:
                        #expect(response.status == .seeOther, "\(route)")
                        #expect(response.headers[.location] == "/login", "\(route)")
                    }
                }
            }
        }
    }
}
