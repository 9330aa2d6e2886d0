import Foundation
import Hummingbird
import HummingbirdTesting
import StrataCore
import StrataServer
import Testing

/// `GET /api/v1/metrics` after a known sequence of requests: every family's values, worked out from
/// what the requests did.
@Suite("Metrics")
struct MetricsTests {
    /// The value of each series of an exposition (its name with any labels), as printed.
    static func series(_ text: String) -> [String: String] {
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " ") else { continue }
            values[String(line[..<space])] = String(line[line.index(after: space)...])
        }
        return values
    }

    /// A track of "Ping" by a user at the server's start instant.
    static func ping(_ user: String, id: String) -> String {
        """
        {"type": "track", "userId": "\(user)", "event": "Ping", "messageId": "\(id)", \
        "timestamp": "\(Instant.format(Harness.now))"}
        """
    }

    @Test("every family counts what a known sequence of requests did, and a deleted segment's size goes")
    func values() async throws {
        let harness = try await Harness()
        try harness.write("title: Pinged\nwhere: did(\"Ping\", last 5s)\n", to: "segments/pinged.yaml")
        let admin = harness.bearer(harness.adminKey)
        try await harness.run { client in
            // Scrapes are requests, which the metrics count too.
            var scrapes = 0
            /// The series of one scrape.
            func scrape() async throws -> [String: String] {
                scrapes += 1
                return try await client.execute(uri: "/api/v1/metrics", method: .get, headers: admin) { response in
                    #expect(response.status == .ok)
                    return Self.series(response.text)
                }
            }
            /// The series of the first scrape that satisfies a condition, within ten seconds.
            func scrape(until condition: ([String: String]) -> Bool) async throws -> [String: String] {
                for _ in 0..<200 {
                    let values = try await scrape()
                    if condition(values) { return values }
                    try await Task.sleep(for: .milliseconds(50))
                }
                Issue.record("the metrics never reached the expected state")
                return try await scrape()
            }
            /// Sends a request and checks its status.
            func send(
                _ uri: String, _ method: HTTPRequest.Method, _ status: HTTPResponse.Status, body: String = ""
            )
                async throws
            {
                let headers = uri.hasPrefix("/v1/") ? harness.basic : admin
                try await client.execute(uri: uri, method: method, headers: headers, body: ByteBuffer(string: body)) {
                    #expect($0.status == status, "\(method) \(uri): \($0.text)")
                }
            }
            let written = "strata_live_snapshots_total{outcome=\"written\"}"

            // The engine starts over the empty store and writes its first snapshot.
            _ = try await scrape { $0["strata_live_start_snapshot_sequence"] != nil && $0[written] == "1" }
            // ann's ping stored, then sent again (a duplicate), a track without an event (quarantined),
            // bob's and cy's pings in one batch: 3 messages stored, all at the start instant.
            try await send("/v1/track", .post, .ok, body: Self.ping("ann", id: "p1"))
            try await send("/v1/track", .post, .ok, body: Self.ping("ann", id: "p1"))
            try await send("/v1/track", .post, .badRequest, body: #"{"userId": "u"}"#)
            let batch = #"{"batch": [\#(Self.ping("bob", id: "p2")), \#(Self.ping("cy", id: "p3"))]}"#
            try await send("/v1/batch", .post, .ok, body: batch)
            // The engine takes the three messages at the start instant: three enters, no delay.
            try await send("/api/v1/segments/pinged/members", .get, .ok)
            // 10 s later the three exits, due at 5 s, are recorded 5 s late each.
            harness.clock.advance(by: 10_000)
            try await send("/api/v1/segments/pinged/members", .get, .ok)
            // A new segment: its three members enter by definition, and a snapshot is written.
            try await send("/api/v1/segments/pingers", .put, .created, body: "where: count(\"Ping\") >= 1\n")
            try await send("/api/v1/segments", .get, .ok)
            let sizes = try await scrape()
            #expect(sizes["strata_segment_size{segment=\"pingers\"}"] == "3.0")
            #expect(sizes["strata_segment_size{segment=\"pinged\"}"] == "0.0")
            // Deleted: its three members exit by definition, another snapshot, and its size goes.
            try await send("/api/v1/segments/pingers", .delete, .noContent)
            try await send("/api/v1/segments", .get, .ok)
            try await send("/nowhere", .get, .notFound)

            let values = try await scrape { $0[written] == "3" }
            // Every scrape before this one.
            let scraped = String(scrapes - 1)

            #expect(values["strata_messages_ingested_total"] == "3")
            #expect(values["strata_messages_duplicate_total"] == "1")
            #expect(values["strata_messages_quarantined_total{reason=\"missing_event\"}"] == "1")

            let requests = "strata_http_requests_total"
            #expect(values["\(requests){method=\"POST\",route=\"/v1/track\",status=\"200\"}"] == "2")
            #expect(values["\(requests){method=\"POST\",route=\"/v1/track\",status=\"400\"}"] == "1")
            #expect(values["\(requests){method=\"POST\",route=\"/v1/batch\",status=\"200\"}"] == "1")
            #expect(
                values["\(requests){method=\"GET\",route=\"/api/v1/segments/{name}/members\",status=\"200\"}"] == "2")
            #expect(values["\(requests){method=\"PUT\",route=\"/api/v1/segments/{name}\",status=\"201\"}"] == "1")
            #expect(values["\(requests){method=\"DELETE\",route=\"/api/v1/segments/{name}\",status=\"204\"}"] == "1")
            #expect(values["\(requests){method=\"GET\",route=\"/api/v1/segments\",status=\"200\"}"] == "2")
            #expect(values["\(requests){method=\"GET\",route=\"NotFound\",status=\"404\"}"] == "1")
            #expect(values["\(requests){method=\"GET\",route=\"/api/v1/metrics\",status=\"200\"}"] == scraped)

            // The three track requests, under their route whatever their status; all well under 10 s.
            let track = "strata_http_request_duration_seconds_bucket{method=\"POST\",route=\"/v1/track\","
            #expect(values["strata_http_request_duration_seconds_count{method=\"POST\",route=\"/v1/track\"}"] == "3")
            #expect(values[track + "le=\"10.0\"}"] == "3")
            #expect(values[track + "le=\"+Inf\"}"] == "3")
            let bounds = [
                "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1.0", "2.5", "5.0", "10.0",
            ]
            #expect(bounds.allSatisfy { values[track + "le=\"\($0)\"}"] != nil })
            #expect(
                values["strata_http_request_duration_seconds_count{method=\"GET\",route=\"/api/v1/metrics\"}"]
                    == scraped)
            let sum = values["strata_http_request_duration_seconds_sum{method=\"POST\",route=\"/v1/batch\"}"]
            #expect((sum.flatMap(Double.init) ?? 0) > 0)

            // One evaluation per stored message.
            #expect(values["strata_live_evaluation_seconds_count"] == "3")
            #expect(values["strata_live_evaluation_seconds_bucket{le=\"+Inf\"}"] == "3")
            // The clock stood still from receipt to recording: three delays of 0.
            #expect(values["strata_live_message_delay_seconds_count"] == "3")
            #expect(values["strata_live_message_delay_seconds_sum"] == "0.0")
            #expect(bounds.allSatisfy { values["strata_live_message_delay_seconds_bucket{le=\"\($0)\"}"] == "3" })
            // Three exits 5 s late.
            #expect(values["strata_live_flip_lateness_seconds_count"] == "3")
            #expect(values["strata_live_flip_lateness_seconds_sum"] == "15.0")
            #expect(values["strata_live_flip_lateness_seconds_bucket{le=\"2.5\"}"] == "0")
            #expect(values["strata_live_flip_lateness_seconds_bucket{le=\"5.0\"}"] == "3")
            #expect(values["strata_live_flip_lateness_seconds_bucket{le=\"+Inf\"}"] == "3")

            #expect(values["strata_membership_changes_total{cause=\"message\"}"] == "3")
            #expect(values["strata_membership_changes_total{cause=\"time\"}"] == "3")
            #expect(values["strata_membership_changes_total{cause=\"definition\"}"] == "6")
            #expect(values["strata_membership_changes_total{cause=\"cadence\"}"] == nil)

            #expect((values["strata_live_start_seconds"].flatMap(Double.init) ?? 0) > 0)
            #expect(values["strata_live_start_snapshot_sequence"] == "0.0")
            // At start, after the PUT and after the DELETE; the last two hold the three messages.
            #expect(values["strata_live_snapshots_total{outcome=\"failed\"}"] == nil)
            #expect(values["strata_live_snapshot_sequence"] == "3.0")
            #expect((values["strata_live_snapshot_write_seconds"].flatMap(Double.init) ?? 0) > 0)

            #expect(values["strata_segment_size{segment=\"pinged\"}"] == "0.0")
            #expect(values["strata_segment_size{segment=\"pingers\"}"] == nil)

            // The engine after the DELETE started over the three messages and holds them all.
            #expect(values["strata_live_held_messages"] == "3.0")
            // The workspace's database is open, with its schema and pages in SQLite's memory.
            #expect((values["strata_sqlite_memory_bytes"].flatMap(Double.init) ?? 0) > 0)
        }
    }
}
