import Foundation
import Hummingbird
import StrataCore
import StrataLanguage

/// The one answer to "who is in this segment now", for every read the server makes: JSON pages, CSV,
/// the summary sizes, a profile's memberships. Real-time segments answer from the live engine and
/// cadence segments from their last recomputation, both as the change log records them
/// (``LiveService``), after the messages already committed are taken (a client reads its own writes).
///
/// While the server starts, a read waits up to ``readyWait`` for the memberships, then answers 503.
struct Memberships: Sendable {
    let live: LiveService
    let workbench: Workbench
    let readyWait: Duration

    /// The members of a segment, sorted by bytes; 404 when no segment has this name.
    func members(of name: String) async throws -> [String] {
        try await requireReady()
        if let members = try await live.members(of: name) { return members }
        _ = try await workbench.definition(named: name)
        throw Self.notApplied(name)
    }

    /// The size of every segment the server keeps, by name.
    func sizes() async throws -> [String: Int] {
        try await requireReady()
        return try await live.sizes()
    }

    /// The segments of profiles (not accounts) that hold a profile key, in name order.
    func segments(ofProfile key: String, definitions: Definitions) async throws -> [String] {
        try await requireReady()
        let users = Set(definitions.segments.filter { $0.of == .users }.map(\.name))
        return try await live.segments(holding: key).filter { users.contains($0) }
    }

    /// Waits for the real-time memberships, up to ``readyWait``; 503 after that.
    private func requireReady() async throws {
        let deadline = ContinuousClock.now + readyWait
        while await !live.isReady {
            guard ContinuousClock.now < deadline else {
                throw APIError(
                    .serviceUnavailable, "not_ready",
                    "the real-time memberships are still starting: try again shortly (GET /ready says when)")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// A segment defined on disk that the running server has not applied yet.
    private static func notApplied(_ name: String) -> APIError {
        APIError(
            .serviceUnavailable, "not_ready",
            "segment `\(name)` is defined but not yet applied by the server: definitions written to disk apply "
                + "through the API (PUT /api/v1/segments/\(name)) or with `strata serve --watch`")
    }
}
