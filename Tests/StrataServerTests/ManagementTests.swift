import Foundation
import Hummingbird
import HummingbirdTesting
import StrataCore
import StrataServer
import StrataStore
import Testing

@Suite("Management API")
struct ManagementTests {
    /// u1 (who browsed as a1 first) buys twice and works at acme; u2 buys once; u3 only browses.
    static let events = """
        {"batch": [
          {"type": "track", "anonymousId": "a1", "event": "Product Viewed", "messageId": "e1",
           "timestamp": "2026-05-31T00:00:00Z"},
          {"type": "identify", "userId": "u1", "anonymousId": "a1", "traits": {"plan": "pro"}, "messageId": "e2",
           "timestamp": "2026-06-01T00:00:00Z"},
          {"type": "track", "userId": "u1", "event": "Order Completed", "messageId": "e3",
           "timestamp": "2026-06-01T00:00:00Z"},
          {"type": "track", "userId": "u1", "event": "Order Completed", "messageId": "e4",
           "timestamp": "2026-06-03T00:00:00Z"},
          {"type": "group", "userId": "u1", "groupId": "acme", "traits": {"name": "Acme"}, "messageId": "e5",
           "timestamp": "2026-06-01T00:00:00Z"},
          {"type": "track", "userId": "u2", "event": "Order Completed", "messageId": "e6",
           "timestamp": "2026-06-02T00:00:00Z"},
          {"type": "track", "userId": "u3", "event": "Product Viewed", "messageId": "e7",
           "timestamp": "2026-06-02T00:00:00Z"}
        ]}
        """

    static let buyers = """
        title: Buyers
        where: count("Order Completed", last 365d) >= 1

        """

    /// A harness holding the events above and the `buyers` segment.
    static func loaded(_ backend: Backend) async throws -> Harness {
        let harness = try await Harness(backend: backend)
        try harness.write(buyers, to: "segments/buyers.yaml")
        try await harness.run { client in
            try await client.execute(
                uri: "/v1/batch", method: .post, headers: harness.basic, body: ByteBuffer(string: events)
            ) { #expect($0.status == .ok) }
        }
        return harness
    }

    @Test("segments are listed with their size, and one segment with its definition", arguments: Backend.allCases)
    func segments(_ backend: Backend) async throws {
        let harness = try await Self.loaded(backend)
        let admin = harness.bearer(harness.adminKey)
        try await harness.run { client in
            try await client.execute(uri: "/api/v1/segments", method: .get, headers: admin) { response in
                #expect(response.status == .ok)
                let segment = response.json["segments"]?[0]
                #expect(segment?["name"] == .string("buyers"))
                #expect(segment?["title"] == .string("Buyers"))
                #expect(segment?["size"] == .number(2))
                #expect(segment?["population"] == .number(3))
                #expect(segment?["last_computed"] == .string("2026-07-01T00:00:00.000Z"))
            }
            try await client.execute(uri: "/api/v1/segments/buyers", method: .get, headers: admin) { response in
                #expect(response.json["definition"] == .string(Self.buyers))
            }
            try await client.execute(uri: "/api/v1/segments/buyer", method: .get, headers: admin) { response in
                #expect(response.status == .notFound)
                #expect(response.json["error"]?["message"] == .string("no segment `buyer`; did you mean `buyers`?"))
            }
        }
    }

    @Test("members page by cursor and come as CSV", arguments: Backend.allCases)
    func members(_ backend: Backend) async throws {
        let harness = try await Self.loaded(backend)
        let admin = harness.bearer(harness.adminKey)
        try await harness.run { client in
            try await client.execute(
                uri: "/api/v1/segments/buyers/members?limit=1", method: .get, headers: admin
            ) { response in
                #expect(response.json["members"] == .array([.string("u1")]))
                #expect(response.json["next_cursor"] == .string("u1"))
                #expect(response.json["size"] == .number(2))
            }
            try await client.execute(
                uri: "/api/v1/segments/buyers/members?limit=1&cursor=u1", method: .get, headers: admin
            ) { response in
                #expect(response.json["members"] == .array([.string("u2")]))
                #expect(response.json["next_cursor"] == .null)
            }
            try await client.execute(
                uri: "/api/v1/segments/buyers/members?limit=0", method: .get, headers: admin
            ) { #expect($0.status == .badRequest) }
            // A name too long for a file is refused as such, not failed on.
            let long = String(repeating: "a", count: 251)
            for method in [HTTPRequest.Method.get, .put, .delete] {
                try await client.execute(
                    uri: "/api/v1/segments/\(long)", method: method, headers: admin,
                    body: ByteBuffer(string: "where: true")
                ) { response in
                    #expect(response.status == .badRequest)
                    #expect(
                        response.json["error"]?["message"]
                            == .string("segment names are at most 200 characters, not 251"))
                }
            }
            try await client.execute(
                uri: "/api/v1/segments/buyers/members?format=csv", method: .get, headers: admin
            ) { response in
                #expect(response.headers[.contentType] == "text/csv; charset=utf-8")
                #expect(
                    response.text == """
                        id,first_seen,last_seen,events
                        u1,2026-05-31T00:00:00.000Z,2026-06-03T00:00:00.000Z,3
                        u2,2026-06-02T00:00:00.000Z,2026-06-02T00:00:00.000Z,1

                        """)
            }
        }
    }

    @Test(
        "a profile shows traits, merged ids, account, segments and events; explain shows why",
        arguments: Backend.allCases)
    func profile(_ backend: Backend) async throws {
        let harness = try await Self.loaded(backend)
        let admin = harness.bearer(harness.adminKey)
        try await harness.run { client in
            try await client.execute(uri: "/api/v1/profiles/a1", method: .get, headers: admin) { response in
                let json = response.json
                #expect(response.status == .ok)
                #expect(json["id"] == .string("u1"))
                #expect(json["traits"] == .object(["plan": .string("pro")]))
                #expect(json["account"]?["id"] == .string("acme"))
                #expect(json["segments"] == .array([.string("buyers")]))
                // Default RFM as of July 1 over u1 (orders June 1 and 3, no revenue) and u2 (June 2): u1 has
                // the better recency (28 days against 29) and frequency (2 against 1), so one profile of two
                // is worse: bins 1 + floor(5 x 1/2) = 3; monetary ties at 0, bin 1; R3 F3 is Loyal Customers.
                #expect(
                    json["rfm"]
                        == .object([
                            "recency": .number(28), "frequency": .number(2), "monetary": .number(0), "r": .number(3),
                            "f": .number(3), "m": .number(1), "segment": .string("Loyal Customers"),
                        ]))
                #expect(json["eventCounts"] == .object(["Order Completed": .number(2), "Product Viewed": .number(1)]))
                let ids = Set((json["ids"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue })
                #expect(ids == ["u1", "a1"])
            }
            try await client.execute(uri: "/api/v1/profiles/nobody", method: .get, headers: admin) {
                #expect($0.status == .notFound)
            }
            try await client.execute(uri: "/api/v1/profiles/u3/explain/buyers", method: .get, headers: admin) {
                response in
                #expect(response.json["member"] == .bool(false))
                #expect(response.json["tree"]?["label"] == .string(">="))
                #expect(response.json["tree"]?["children"]?[0]?["value"] == .number(0))
            }
        }
    }

    @Test(
        "a profile's scores answer at once from the latest evaluation, rebuilt behind the read; explain is as of now",
        arguments: Backend.allCases)
    func latestEvaluation(_ backend: Backend) async throws {
        let harness = try await Self.loaded(backend)
        let admin = harness.bearer(harness.adminKey)
        let order = """
            {"batch": [
              {"type": "track", "userId": "u2", "event": "Order Completed", "messageId": "l1",
               "timestamp": "2026-06-30T00:00:00Z"},
              {"type": "track", "userId": "u9", "event": "Order Completed", "messageId": "l2",
               "timestamp": "2026-06-30T00:00:00Z"}
            ]}
            """
        try await harness.run { client in
            func profile(_ id: String) async throws -> JSONValue {
                try await client.execute(uri: "/api/v1/profiles/\(id)", method: .get, headers: admin) { $0.json }
            }
            let before = try await profile("u2")
            #expect(before["evaluatedAt"] == .string("2026-07-01T00:00:00.000Z"))
            #expect(before["rfm"]?["frequency"] == .number(1))
            harness.clock.advance(by: Instant.hour)
            try await client.execute(
                uri: "/v1/batch", method: .post, headers: harness.basic, body: ByteBuffer(string: order)
            ) {
                #expect($0.status == .ok)
            }
            // Answered from the evaluation before the order, which a rebuild now replaces.
            let stale = try await profile("u2")
            #expect(stale["evaluatedAt"] == .string("2026-07-01T00:00:00.000Z"))
            #expect(stale["rfm"]?["frequency"] == .number(1))
            // A segment of the profile alone is explained from its own messages as of now: u9 is new.
            try await client.execute(uri: "/api/v1/profiles/u9/explain/buyers", method: .get, headers: admin) {
                #expect($0.json["member"] == .bool(true))
                #expect($0.json["evaluatedAt"] == .string("2026-07-01T01:00:00.000Z"))
            }
            var fresh = stale
            for _ in 0..<600 where fresh["evaluatedAt"] != .string("2026-07-01T01:00:00.000Z") {
                try await Task.sleep(for: .milliseconds(50))
                fresh = try await profile("u2")
            }
            #expect(fresh["evaluatedAt"] == .string("2026-07-01T01:00:00.000Z"))
            #expect(fresh["rfm"]?["frequency"] == .number(2))
        }
    }

    @Test(
        "PUT checks a definition (422 with diagnostics), saves a valid one at once; DELETE removes it",
        arguments: Backend.allCases)
    func putAndDelete(_ backend: Backend) async throws {
        let harness = try await Self.loaded(backend)
        let admin = harness.bearer(harness.adminKey)
        try await harness.run { client in
            try await client.execute(
                uri: "/api/v1/segments/pro-users", method: .put, headers: admin,
                body: ByteBuffer(string: "where: trait.plan = \"pro\" and count(\"Order Completed\", last 365d) >=\n")
            ) { response in
                #expect(response.status == .unprocessableContent)
                #expect(response.json["error"]?["code"] == .string("invalid_definitions"))
                #expect(response.json["error"]?["diagnostics"]?[0]?["file"] == .string("segments/pro-users.yaml"))
                #expect(response.json["error"]?["diagnostics"]?[0]?["line"] == .number(1))
            }
            try await client.execute(
                uri: "/api/v1/segments/pro-users", method: .put, headers: admin,
                body: ByteBuffer(string: #"{"title": "Pro users", "where": "trait.plan = \"pro\""}"#)
            ) { response in
                #expect(response.status == .created)
                #expect(response.json["size"] == .number(1))
            }
            try await client.execute(
                uri: "/api/v1/segments/pro-users/members", method: .get, headers: admin
            ) { #expect($0.json["members"] == .array([.string("u1")])) }
            try await client.execute(uri: "/api/v1/segments/Pro_Users", method: .put, headers: admin) {
                #expect($0.status == .badRequest)
            }
            try await client.execute(uri: "/api/v1/segments/pro-users", method: .delete, headers: admin) {
                #expect($0.status == .noContent)
            }
            try await client.execute(uri: "/api/v1/segments/pro-users", method: .get, headers: admin) {
                #expect($0.status == .notFound)
            }
        }
        #expect(
            !FileManager.default.fileExists(
                atPath: harness.workspace.segmentsDirectory.appendingPathComponent("pro-users.yaml").path))
    }

    @Test("metrics count ingestion, refusals, requests and segment sizes", arguments: Backend.allCases)
    func metrics(_ backend: Backend) async throws {
        let harness = try await Harness(backend: backend)
        try harness.write(Self.buyers, to: "segments/buyers.yaml")
        let admin = harness.bearer(harness.adminKey)
        try await harness.run { client in
            try await client.execute(
                uri: "/v1/batch", method: .post, headers: harness.basic, body: ByteBuffer(string: Self.events))
            try await client.execute(
                uri: "/v1/track", method: .post, headers: harness.basic, body: ByteBuffer(string: #"{"userId": "u"}"#))
            try await client.execute(uri: "/api/v1/segments", method: .get, headers: admin)
            try await client.execute(uri: "/api/v1/metrics", method: .get, headers: admin) { response in
                let lines = Set(response.text.split(separator: "\n").map(String.init))
                #expect(lines.contains("strata_messages_ingested_total 7"))
                #expect(lines.contains("strata_messages_quarantined_total{reason=\"missing_event\"} 1"))
                #expect(lines.contains("strata_segment_size{segment=\"buyers\"} 2.0"))
                #expect(
                    lines.contains("strata_http_requests_total{method=\"POST\",route=\"/v1/track\",status=\"400\"} 1"))
                #expect(
                    lines.contains(
                        "strata_http_request_duration_seconds_count{method=\"POST\",route=\"/v1/batch\"} 1"))
            }
        }
    }
}
