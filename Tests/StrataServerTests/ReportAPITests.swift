import Foundation
import Hummingbird
import HummingbirdTesting
import StrataCore
import Testing

/// `GET /api/v1/reports/{kind}` on a live server with a moved clock.
@Suite("Reports through the API")
struct ReportAPITests {
    /// The `size` column of a sizes report.
    static func sizes(
        source: String, from: Int64, _ client: some TestClientProtocol, _ harness: Harness
    ) async throws -> [Int] {
        let query =
            "segments=recent&from=\(Instant.format(from))&to=\(Instant.format(from + 10_000))&every=1s&source=\(source)"
        return try await client.execute(
            uri: "/api/v1/reports/sizes?\(query)", method: .get, headers: harness.bearer(harness.adminKey)
        ) { response in
            #expect(response.status == .ok, "\(response.text)")
            return (response.json["rows"]?.arrayValue ?? []).compactMap { $0["size"]?.numberValue.map { Int($0) } }
        }
    }

    @Test("sizes from the change log equal sizes by evaluation at every instant", arguments: Backend.allCases)
    func sizesFromTheLogAgreeWithEvaluation(_ backend: Backend) async throws {
        let harness = try await Harness(backend: backend)
        try harness.write(MembershipTruthTests.recent, to: "segments/recent.yaml")
        let start = harness.clock.now
        try await harness.run { client in
            // The live engine's first step records the (empty) memberships: the log covers from here on.
            _ = try await MembershipTruthTests.views(of: "recent", users: [], client, harness)
            // ann pings at +1 s and +5 s, bob at +2 s: recent holds a ping younger than 3 s.
            for (advance, user) in [(1_000, "ann"), (1_000, "bob"), (3_000, "ann"), (6_000, nil)] as [(Int64, String?)]
            {
                harness.clock.advance(by: advance)
                if let user {
                    try await MembershipTruthTests.ping(user, id: "\(user)-\(harness.clock.now)", client, harness)
                }
                _ = try await MembershipTruthTests.views(of: "recent", users: [], client, harness)
            }
            // Worked out by hand: at +0..+10 s, members are {}, {ann}, {ann,bob}, {ann,bob}, {bob}, {ann},
            // {ann}, {ann}, {}, {}, {}.
            let expected = [0, 1, 2, 2, 1, 1, 1, 1, 0, 0, 0]
            #expect(try await Self.sizes(source: "log", from: start, client, harness) == expected)
            #expect(try await Self.sizes(source: "evaluation", from: start, client, harness) == expected)
        }
    }

    @Test func badParametersNameTheParameter() async throws {
        let harness = try await Harness()
        try harness.write(MembershipTruthTests.recent, to: "segments/recent.yaml")
        try await harness.run { client in
            let admin = harness.bearer(harness.adminKey)
            for (query, status, message) in [
                ("retention?segments=nope", HTTPResponse.Status.notFound, "unknown segment `nope`"),
                ("retention?segments=recent&days=7,x", .badRequest, "days: expected whole numbers"),
                ("retention?segments=recent&mode=sometimes", .badRequest, "mode: expected one of on, on-or-after"),
                ("conversion?segments=recent", .badRequest, "goal: required"),
                ("sizes?segments=recent&from=2026-01-02&to=2026-01-01", .badRequest, "--from must not be after --to"),
                ("overlap?segments=recent", .badRequest, "overlap needs two segments or more"),
                ("overlap?segments=recent,recent", .badRequest, "segment `recent` is named twice"),
                (
                    "retention?segments=recent&days=1,99999999999999", .badRequest,
                    "--days must be distinct whole numbers from 0 to 36500, ascending"
                ),
                (
                    "decay?segments=recent&days=1,99999999999999", .badRequest,
                    "--days must be distinct whole numbers from 0 to 36500, ascending"
                ),
                (
                    "conversion?segments=recent&goal=%22Ping%22&within=36501d", .badRequest,
                    "--within must be a positive duration of at most 36500d"
                ),
                (
                    "funnel?steps=%22Ping%22&steps=%22Ping%22&within=36501d", .badRequest,
                    "--within must be a positive duration of at most 36500d"
                ),
                ("nothing", .notFound, "no report `nothing`"),
            ] {
                try await client.execute(uri: "/api/v1/reports/\(query)", method: .get, headers: admin) { response in
                    #expect(response.status == status, "\(query): \(response.text)")
                    #expect(response.text.contains(message), "\(query): \(response.text)")
                }
            }
            try await client.execute(
                uri: "/api/v1/reports/retention?segments=recent&return=%22Ping%22%20where%20x%20%3E", method: .get,
                headers: admin
            ) { response in
                #expect(response.status == .badRequest)
                #expect(response.text.contains("\"file\":\"--return\""), "\(response.text)")
            }
        }
    }

    @Test(
        "a cadence segment is stale once twice its refresh passes without a recomputation", arguments: Backend.allCases)
    func staleCadenceSegments(_ backend: Backend) async throws {
        let harness = try await Harness(backend: backend)
        try harness.write(MembershipTruthTests.everPinged, to: "segments/ever-pinged.yaml")
        try await harness.run { client in
            let admin = harness.bearer(harness.adminKey)
            // The start evaluates it as of the server's instant.
            _ = try await MembershipTruthTests.views(of: "ever-pinged", users: [], client, harness)
            func stale(at instant: Int64) async throws -> [Double] {
                try await client.execute(
                    uri: "/api/v1/reports/health?segments=ever-pinged&as_of=\(Instant.format(instant))", method: .get,
                    headers: admin
                ) { response in
                    #expect(response.status == .ok, "\(response.text)")
                    return (response.json["rows"]?.arrayValue ?? []).filter { $0["code"] == .string("stale") }
                        .compactMap { $0["figure"]?.numberValue }
                }
            }
            let start = harness.clock.now
            // refresh: 15m, so stale after 30 minutes: 1,800 s.
            #expect(try await stale(at: start + 1_800_000) == [])
            #expect(try await stale(at: start + 1_800_001) == [1_800.001])
            // The clock passes the refresh: the server recomputes it as of the clock (+16 min), so 29 minutes
            // later it is not stale yet.
            harness.clock.advance(by: 16 * 60_000)
            var recomputed = false
            for _ in 0..<300 where !recomputed {
                recomputed = try await stale(at: start + 45 * 60_000).isEmpty
                if !recomputed { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(recomputed)
        }
    }
}
