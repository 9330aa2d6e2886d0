import Foundation
import Hummingbird
import HummingbirdTesting
import StrataCore
import Testing

/// One membership truth: the JSON pages, the CSV, the summary sizes and a profile's memberships all
/// answer from the same accessor, so they agree at every instant, however time and messages move.
@Suite("One membership truth")
struct MembershipTruthTests {
    /// A real-time segment that time empties three seconds after the last ping.
    static let recent = "title: Recent\nrefresh: realtime\nwhere: did(\"Ping\", last 3s)\n"
    /// A segment recomputed every 15 minutes.
    static let everPinged = "title: Ever pinged\nrefresh: 15m\nwhere: did(\"Ping\")\n"

    /// What the four reads of a segment say about its members at this moment.
    struct Views: Equatable, CustomStringConvertible {
        var json: [String]
        var csv: [String]
        var size: Int?
        var byProfile: [String]

        var description: String {
            "json \(json), csv \(csv), size \(size.map(String.init) ?? "nil"), profiles \(byProfile)"
        }
    }

    /// Reads the members of `segment` as JSON, as CSV and as the summary's size, and which of `users`
    /// have it among their profile's segments.
    static func views(
        of segment: String, users: [String], _ client: some TestClientProtocol, _ harness: Harness
    ) async throws -> Views {
        let admin = harness.bearer(harness.adminKey)
        let json = try await client.execute(
            uri: "/api/v1/segments/\(segment)/members?limit=10000", method: .get, headers: admin
        ) { response in
            #expect(response.status == .ok, "\(response.text)")
            return (response.json["members"]?.arrayValue ?? []).compactMap(\.stringValue)
        }
        let csv = try await client.execute(
            uri: "/api/v1/segments/\(segment)/members?format=csv", method: .get, headers: admin
        ) { response in
            response.text.split(separator: "\n").dropFirst().map { String($0.split(separator: ",")[0]) }
        }
        let size = try await client.execute(uri: "/api/v1/segments", method: .get, headers: admin) { response in
            (response.json["segments"]?.arrayValue ?? []).first { $0["name"] == .string(segment) }?["size"]?
                .numberValue.map { Int($0) }
        }
        var byProfile: [String] = []
        for user in users {
            let segments = try await client.execute(uri: "/api/v1/profiles/\(user)", method: .get, headers: admin) {
                response in (response.json["segments"]?.arrayValue ?? []).compactMap(\.stringValue)
            }
            if segments.contains(segment) { byProfile.append(user) }
        }
        return Views(json: json, csv: csv, size: size, byProfile: byProfile)
    }

    /// Posts a ping by a user at the server's current instant.
    static func ping(_ user: String, id: String, _ client: some TestClientProtocol, _ harness: Harness) async throws {
        try await client.execute(
            uri: "/v1/track", method: .post, headers: harness.basic,
            body: LiveTests.ping(user, id: id, at: harness.clock.now)
        ) { #expect($0.status == .ok) }
    }

    @Test("four seconds after a ping every view shows the real-time segment empty", arguments: Backend.allCases)
    func timeMovesEveryView(_ backend: Backend) async throws {
        let harness = try await Harness(backend: backend)
        try harness.write(Self.recent, to: "segments/recent.yaml")
        try await harness.run { client in
            try await Self.ping("ann", id: "p1", client, harness)
            let during = try await Self.views(of: "recent", users: ["ann"], client, harness)
            #expect(during == Views(json: ["ann"], csv: ["ann"], size: 1, byProfile: ["ann"]))
            harness.clock.advance(by: 4_000)
            let after = try await Self.views(of: "recent", users: ["ann"], client, harness)
            #expect(after == Views(json: [], csv: [], size: 0, byProfile: []))
        }
    }

    /// A deterministic random source (SplitMix64), so that a failing seed can be run again.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test(
        "at random instants and pings, all views agree, and the real-time one with the pings",
        arguments: Backend.allCases, [1, 2, 3])
    func allViewsAgree(_ backend: Backend, seed: UInt64) async throws {
        let harness = try await Harness(backend: backend)
        try harness.write(Self.recent, to: "segments/recent.yaml")
        try harness.write(Self.everPinged, to: "segments/ever-pinged.yaml")
        let users = ["ann", "bob", "cy", "dee"]
        var random = SplitMix(state: seed)
        // Each step moves the clock by up to 2.5 s, then pings as one of the users, or not.
        let steps: [(advance: Int64, user: String?)] = (0..<12).map { _ in
            let advance = Int64.random(in: 0...2_500, using: &random)
            let user = Bool.random(using: &random) ? users[Int.random(in: 0..<users.count, using: &random)] : nil
            return (advance, user)
        }
        try await harness.run { client in
            var lastPing: [String: Int64] = [:]
            for (step, action) in steps.enumerated() {
                harness.clock.advance(by: action.advance)
                if let user = action.user {
                    try await Self.ping(user, id: "s\(seed)-\(step)", client, harness)
                    lastPing[user] = harness.clock.now
                }
                // A ping at t keeps its user in `recent` while now - t < 3 s (the exit is due at t + 3 s).
                let now = harness.clock.now
                let expected = users.filter { user in lastPing[user].map { now - $0 < 3_000 } ?? false }
                let recent = try await Self.views(of: "recent", users: users, client, harness)
                #expect(recent == Views(json: expected, csv: expected, size: expected.count, byProfile: expected))
                let ever = try await Self.views(of: "ever-pinged", users: users, client, harness)
                #expect(ever.json == ever.csv && ever.json == ever.byProfile && ever.size == ever.json.count)
            }
        }
    }
}
