import Foundation
import Hummingbird
import StrataCore
import StrataLanguage
import StrataStore

/// The one answer to "who is in this segment now", for every read the server makes: JSON pages, CSV,
/// the summary sizes, a profile's memberships. Real-time segments answer from the live engine and
/// cadence segments from their last recomputation, both as the change log records them
/// (``LiveService``), with the instant the recorded memberships are current to.
///
/// A read never waits behind the engine's backlog: it waits up to ``readWait`` for the engine to take
/// the messages stored before it and to move to the current instant (so a client reads its own writes
/// and the passing of time when the engine keeps up), then answers from what is recorded. While the server starts, a read waits up to ``readyWait`` for the
/// memberships, then answers 503.
struct Memberships: Sendable {
    let live: LiveService
    let workbench: Workbench
    let readyWait: Duration
    let readWait: Duration
    /// The server's clock (ms).
    let clock: @Sendable () -> Int64

    /// The members of a segment, sorted by bytes; 404 when no segment has this name.
    func members(of name: String) async throws -> Recorded<[String]> {
        try await catchUp()
        if let members = await live.members(of: name) { return members }
        _ = try await workbench.definition(named: name)
        throw Self.notApplied(name)
    }

    /// The size of every segment the server keeps, by name.
    func sizes() async throws -> Recorded<[String: Int]> {
        try await catchUp()
        guard let sizes = await live.sizes() else { throw Self.notReady }
        return sizes
    }

    /// The segments of profiles (not accounts) that hold a profile key, in name order.
    func segments(ofProfile key: String, definitions: Definitions) async throws -> Recorded<[String]> {
        try await catchUp()
        guard let held = await live.segments(holding: key) else { throw Self.notReady }
        let users = Set(definitions.segments.filter { $0.of == .users }.map(\.name))
        return Recorded(value: held.value.filter { users.contains($0) }, currentTo: held.currentTo)
    }

    /// A profile as `GET /api/v1/profiles/{id}` answers it: its stored summary with `recent` events, what
    /// the engine computes of it, and its segments; 404 when no profile holds the id.
    func profile(id: String, recent: Int) async throws -> Recorded<[String: JSONValue]> {
        guard let profile = try await workbench.store.profile(id: id, asOf: clock(), recent: recent),
            var object = profile.json.objectValue
        else {
            throw APIError.notFound("no profile with id `\(id)`")
        }
        let (evaluated, definitions) = try await workbench.evaluated(profile: id)
        object.merge(evaluated) { _, evaluated in evaluated }
        let segments = try await self.segments(ofProfile: profile.key, definitions: definitions)
        object["segments"] = .array(segments.value.map(JSONValue.string))
        return Recorded(value: object, currentTo: segments.currentTo)
    }

    /// Waits for the real-time memberships (503 after ``readyWait``), then up to ``readWait`` for the
    /// engine to take the messages stored so far and to move to now.
    private func catchUp() async throws {
        let backlog = live.backlog
        guard await Self.poll(for: readyWait, until: { live.isReady }) else { throw Self.notReady }
        let (stored, now) = (backlog.stored, clock())
        live.wake()
        _ = await Self.poll(for: readWait) { backlog.isCurrent(through: stored, at: now) }
    }

    /// Whether a condition came to hold within a time, looking every few milliseconds.
    private static func poll(for duration: Duration, until condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + duration
        while !condition() {
            guard ContinuousClock.now < deadline else { return false }
            do {
                try await Task.sleep(for: .milliseconds(2))
            } catch {
                return condition()
            }
        }
        return true
    }

    private static let notReady = APIError(
        .serviceUnavailable, "not_ready",
        "the real-time memberships are still starting: try again shortly (GET /ready says when)")

    /// A segment defined on disk that the running server has not applied yet.
    private static func notApplied(_ name: String) -> APIError {
        APIError(
            .serviceUnavailable, "not_ready",
            "segment `\(name)` is defined but not yet applied by the server: definitions written to disk apply "
                + "through the API (PUT /api/v1/segments/\(name)) or with `strata serve --watch`")
    }
}
