import Foundation
import Hummingbird
import HummingbirdTesting
import StrataCore
import Testing

/// `GET /health` and `GET /ready` answer without a key and show no data; an untrained score is null
/// with its reason in the profile API, and does not break the segments.
@Suite("Probes and untrained scores")
struct ProbeTests {
    @Test(
        "/health answers {\"status\":\"ok\"} without a key; /ready once the memberships are ready",
        arguments: Backend.allCases)
    func probesWithoutAKey(_ backend: Backend) async throws {
        let harness = try await Harness(backend: backend)
        try harness.write(MembershipTruthTests.recent, to: "segments/recent.yaml")
        try await harness.run { client in
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.text == "{\"status\":\"ok\"}\n")
            }
            // The memberships are ready once a read of them has answered.
            try await client.execute(
                uri: "/api/v1/segments/recent/members", method: .get, headers: harness.bearer(harness.adminKey)
            ) { #expect($0.status == .ok) }
            try await client.execute(uri: "/ready", method: .get) { response in
                #expect(response.status == .ok)
                #expect(
                    response.text == #"{"current_to":"2026-07-01T00:00:00.000Z","lag_messages":0,"status":"ready"}"#
                        + "\n")
                #expect(response.currentTo == "2026-07-01T00:00:00.000Z")
            }
        }
    }

    @Test("/ready is 503 while the memberships cannot start; /health stays 200", arguments: Backend.allCases)
    func notReady(_ backend: Backend) async throws {
        let harness = try await Harness(backend: backend)
        try harness.write("where: did(\"Ping\", last 3x)\n", to: "segments/broken.yaml")
        try await harness.run { client in
            try await client.execute(uri: "/ready", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[.retryAfter] == "1")
                #expect(response.text == #"{"lag_messages":0,"status":"starting"}"# + "\n")
            }
            try await client.execute(uri: "/health", method: .get) { #expect($0.status == .ok) }
        }
    }

    /// A logistic score never trained, and a real-time segment that reads it.
    static let untrained = """
        kind: logistic
        population: did("Ping")
        features:
          - count("Ping", last 30d)
        label: did("Upgrade", next 30d)
        train_as_of: [2026-06-01]

        """

    @Test(
        "an untrained logistic score is null with its reason; segments that read it and others still answer",
        arguments: Backend.allCases)
    func untrainedScore(_ backend: Backend) async throws {
        let harness = try await Harness(backend: backend)
        try harness.write(Self.untrained, to: "scores/propensity.yaml")
        try harness.write(MembershipTruthTests.recent, to: "segments/recent.yaml")
        try harness.write("where: score.propensity > 50\n", to: "segments/likely.yaml")
        try await harness.run { client in
            try await MembershipTruthTests.ping("ann", id: "p1", client, harness)
            let admin = harness.bearer(harness.adminKey)
            try await client.execute(uri: "/api/v1/profiles/ann", method: .get, headers: admin) { response in
                #expect(response.status == .ok, "\(response.text)")
                #expect(response.json["scores"] == .object(["propensity": .null]))
                #expect(
                    response.json["missing"]
                        == .object([
                            "score.propensity": .string(
                                "no trained model for its current features, label and population: "
                                    + "run `strata train propensity`")
                        ]))
                #expect(response.json["segments"] == .array([.string("recent")]))
            }
            try await client.execute(uri: "/api/v1/segments/likely/members", method: .get, headers: admin) {
                #expect($0.status == .ok)
                #expect($0.json["members"] == .array([]))
            }
        }
    }
}
