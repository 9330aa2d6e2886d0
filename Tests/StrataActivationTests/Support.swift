import Foundation
import StrataActivation
import StrataCore
import StrataLanguage
import StrataStore
import Synchronization

/// 2026-06-30T00:00:00Z.
let t0: Int64 = 1_782_777_600_000

/// Settings from definition files in memory (a segment `carts` is always there).
func settings(_ files: [String: String], workspace: String = "acme", zone: Zone = .utc) throws -> ActivationSettings {
    var all = ["segments/carts.yaml": "where: did(\"Cart Updated\", last 2h)\n"]
    for (path, text) in files { all[path] = text }
    let definitions = Definitions.load(DefinitionFiles(all), environment: [:])
    let errors = definitions.diagnostics.filter { $0.severity == .error }
    guard errors.isEmpty else { throw TestFailure(errors.map(\.description).joined(separator: "\n")) }
    return ActivationSettings(definitions: definitions, sources: all, workspace: workspace, zone: zone)
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A profile reader with fixed traits per profile and fixed answers to conditions.
struct FixedReader: ProfileReader {
    var traits: [String: [String: JSONValue]] = [:]
    /// The answer to every condition, per profile (missing when absent).
    var conditions: [String: Bool] = [:]

    func facts(of requests: [FactsRequest]) async throws -> [ProfileFacts] {
        requests.map { request in
            ProfileFacts(
                id: request.profile, traits: traits[request.profile] ?? [:],
                conditions: request.conditions.map { _ in conditions[request.profile] })
        }
    }
}

/// A clock tests move by hand.
final class TestClock: Sendable {
    private let instant: Mutex<Int64>
    init(_ start: Int64) { instant = Mutex(start) }
    func now() -> Int64 { instant.withLock { $0 } }
    func set(_ value: Int64) { instant.withLock { $0 = value } }
}

/// Waits until `condition` holds, checking every 20 ms for at most `seconds` (long: the whole suite
/// runs in parallel on two cores, and other tests hold the cooperative threads for seconds at a time).
func eventually(_ seconds: Double = 60, _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return false
}

/// A delivery of activation `activation`, step 0, for a profile's enter into `carts` at `t0`.
func due(_ id: Int64, _ activation: String, _ profile: String, at instant: Int64 = t0) -> Delivery {
    Delivery(
        changeID: id, activation: activation, step: 0, segment: "carts", profile: profile, entered: true,
        changeInstant: instant, cause: "message", destination: "hook", channel: "webhook", dueAt: instant)
}

/// A webhook destination file at an address nothing listens on.
let hookFile = "kind: webhook\nurl: http://127.0.0.1:9/hook\n"
