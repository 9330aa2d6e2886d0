import CompressNIO
import Foundation
import Hummingbird
import HummingbirdTesting
import StrataCore
import StrataServer
import StrataStore
import Testing

@Suite("Ingestion")
struct IngestionTests {
    static let batch = """
        {"batch": [
          {"type": "identify", "userId": "u1", "traits": {"plan": "pro"}, "messageId": "m1",
           "timestamp": "2026-06-01T00:00:00Z"},
          {"type": "track", "userId": "u1", "event": "Order Completed", "messageId": "m2",
           "timestamp": "2026-06-01T01:00:00Z"},
          {"type": "track", "userId": "u2", "messageId": "m3"}
        ]}
        """

    @Test("a batch stores its valid messages, quarantines the refused one and names its index")
    func batchWithOneRefusal() async throws {
        let harness = try await Harness()
        try await harness.run { client in
            try await client.execute(
                uri: "/v1/batch", method: .post, headers: harness.basic, body: ByteBuffer(string: Self.batch)
            ) { response in
                #expect(response.status == .badRequest)
                let json = response.json
                #expect(json["stored"] == .number(2))
                #expect(json["success"] == .bool(false))
                #expect(json["error"]?["code"] == .string("invalid_messages"))
                #expect(json["failed"]?[0]?["index"] == .number(2))
                #expect(json["failed"]?[0]?["reason"] == .string("missing_event"))
                #expect(json["failed"]?[0]?["field"] == .string("event"))
            }
            let admin = harness.bearer(harness.adminKey)
            try await client.execute(uri: "/api/v1/quarantine", method: .get, headers: admin) { response in
                #expect(response.status == .ok)
                let json = response.json
                #expect(json["total"] == .number(1))
                #expect(json["by_reason"] == .object(["missing_event": .number(1)]))
                let entry = json["entries"]?[0]
                #expect(entry?["id"] == .number(1))
                #expect(entry?["source"] == .string("POST /v1/batch"))
                #expect(entry?["index"] == .number(2))
                #expect(entry?["field"] == .string("event"))
                #expect(
                    entry?["message"]
                        == .object(["type": .string("track"), "userId": .string("u2"), "messageId": .string("m3")]))
            }
            try await client.execute(uri: "/api/v1/quarantine?reason=invalid_json", method: .get, headers: admin) {
                #expect($0.json["entries"] == .array([]))
            }
            try await client.execute(uri: "/api/v1/quarantine?reason=nope", method: .get, headers: admin) {
                #expect($0.status == .badRequest)
            }
        }
        let statistics = try await harness.store.statistics()
        #expect(statistics.messages == 2)
        #expect(statistics.quarantinedByReason == ["missing_event": 1])
        let quarantined = try await harness.store.quarantined(limit: 10)
        #expect(quarantined.map(\.source) == ["POST /v1/batch"])
        #expect(quarantined.map(\.index) == [2])
    }

    @Test("the same batch replayed three times is stored once")
    func replayedBatch() async throws {
        let harness = try await Harness()
        let body = """
            {"batch": [{"type": "track", "userId": "u1", "event": "A", "messageId": "r1"},
                       {"type": "track", "userId": "u1", "event": "B", "messageId": "r2"}]}
            """
        try await harness.run { client in
            for (attempt, expected) in [(1, (2.0, 0.0)), (2, (0, 2)), (3, (0, 2))] {
                try await client.execute(
                    uri: "/v1/batch", method: .post, headers: harness.basic, body: ByteBuffer(string: body)
                ) { response in
                    #expect(response.status == .ok, "attempt \(attempt)")
                    #expect(response.json["stored"] == .number(expected.0), "attempt \(attempt)")
                    #expect(response.json["duplicates"] == .number(expected.1), "attempt \(attempt)")
                }
            }
        }
        let statistics = try await harness.store.statistics()
        #expect(statistics.messages == 2)
        #expect(statistics.duplicates == 4)
    }

    @Test(
        "single-call routes imply the message type, analytics.js's one-letter ones too",
        arguments: [
            ("/v1/track", #"{"userId": "u", "event": "Signed Up"}"#, Message.Kind.track),
            ("/v1/identify", #"{"userId": "u", "traits": {"plan": "pro"}}"#, .identify),
            ("/v1/page", #"{"anonymousId": "a", "name": "Home"}"#, .page),
            ("/v1/screen", #"{"userId": "u", "name": "Home"}"#, .screen),
            ("/v1/group", #"{"userId": "u", "groupId": "g"}"#, .group),
            ("/v1/alias", #"{"userId": "u", "previousId": "a"}"#, .alias),
            ("/v1/t", #"{"userId": "u", "event": "Signed Up"}"#, .track),
            ("/v1/i", #"{"userId": "u", "traits": {"plan": "pro"}}"#, .identify),
            ("/v1/p", #"{"anonymousId": "a", "name": "Home"}"#, .page),
            ("/v1/s", #"{"userId": "u", "name": "Home"}"#, .screen),
            ("/v1/g", #"{"userId": "u", "groupId": "g"}"#, .group),
            ("/v1/a", #"{"userId": "u", "previousId": "a"}"#, .alias),
        ])
    func singleRoutes(route: String, body: String, kind: Message.Kind) async throws {
        let harness = try await Harness()
        try await harness.run { client in
            try await client.execute(
                uri: route, method: .post, headers: harness.bearer(harness.writeKey), body: ByteBuffer(string: body)
            ) { response in
                #expect(response.status == .ok)
                #expect(response.json["stored"] == .number(1))
            }
        }
        #expect(try await harness.store.statistics().messagesByKind == [kind: 1])
    }

    @Test("gzip and deflate bodies are inflated", arguments: ["gzip", "deflate"])
    func compressedBodies(encoding: String) async throws {
        let harness = try await Harness()
        var plain = ByteBuffer(string: #"{"type": "track", "userId": "u", "event": "Zipped", "messageId": "z1"}"#)
        let compressed = try plain.compress(with: encoding == "gzip" ? .gzip() : .deflate())
        var fields = harness.basic
        fields[.contentEncoding] = encoding
        let headers = fields
        try await harness.run { client in
            try await client.execute(uri: "/v1/track", method: .post, headers: headers, body: compressed) { response in
                #expect(response.status == .ok)
                #expect(response.json["stored"] == .number(1))
            }
        }
        #expect(try await harness.store.statistics().eventNames == ["Zipped"])
    }

    @Test("a message over 32 KB in a batch is refused with 413 and named; the others are stored")
    func oversizedMessage() async throws {
        let harness = try await Harness()
        let big = String(repeating: "x", count: 33 * 1024)
        let body = """
            {"batch": [{"type": "track", "userId": "u", "event": "Small", "messageId": "s1"},
                       {"type": "track", "userId": "u", "event": "Big", "properties": {"blob": "\(big)"}}]}
            """
        try await harness.run { client in
            try await client.execute(
                uri: "/v1/batch", method: .post, headers: harness.basic, body: ByteBuffer(string: body)
            ) { response in
                #expect(response.status == .contentTooLarge)
                #expect(response.json["error"]?["code"] == .string("too_large"))
                #expect(response.json["failed"]?[0]?["index"] == .number(1))
                #expect(response.json["failed"]?[0]?["reason"] == .string("too_large"))
                #expect(response.json["stored"] == .number(1))
            }
        }
    }

    @Test("concurrent requests are all stored (commits are shared)")
    func concurrentRequests() async throws {
        let harness = try await Harness()
        try await harness.run { client in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for request in 0..<20 {
                    group.addTask {
                        let messages = (0..<5).map { index in
                            #"{"type": "track", "userId": "u\#(request)", "event": "E", "messageId": "c\#(request)-\#(index)"}"#
                        }
                        let body = #"{"batch": [\#(messages.joined(separator: ","))]}"#
                        try await client.execute(
                            uri: "/v1/batch", method: .post, headers: harness.basic, body: ByteBuffer(string: body)
                        ) { response in
                            #expect(response.status == .ok)
                            #expect(response.json["stored"] == .number(5))
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        #expect(try await harness.store.statistics().messages == 100)
    }

    @Test("PostHog v0: key in api_key; $create_alias, $set, $groupidentify and events become Segment calls")
    func postHogBatch() async throws {
        let harness = try await Harness()
        let body = """
            {"api_key": "\(harness.writeKey)", "batch": [
              {"event": "Signed Up", "distinct_id": "anon-1", "uuid": "p1", "timestamp": "2026-06-01T00:00:00+00:00",
               "properties": {"source": "ad"}},
              {"event": "$create_alias", "distinct_id": "anon-1", "uuid": "p2",
               "properties": {"distinct_id": "anon-1", "alias": "user-1"}},
              {"event": "$set", "distinct_id": "user-1", "uuid": "p3", "$set": {"plan": "team"}},
              {"event": "$groupidentify", "distinct_id": "user-1", "uuid": "p4",
               "properties": {"$group_type": "company", "$group_key": "acme", "$group_set": {"name": "Acme"}}},
              {"distinct_id": "user-1", "uuid": "p5"}
            ]}
            """
        try await harness.run { client in
            try await client.execute(uri: "/batch/", method: .post, body: ByteBuffer(string: body)) { response in
                #expect(response.status == .badRequest)
                #expect(response.json["stored"] == .number(4))
                #expect(response.json["failed"]?[0]?["index"] == .number(4))
                #expect(response.json["failed"]?[0]?["reason"] == .string("missing_event"))
            }
        }
        let profile = try #require(try await harness.store.profile(id: "anon-1", asOf: Harness.now))
        #expect(profile.key == "user-1")
        #expect(profile.traits == ["plan": .string("team")])
        #expect(profile.account == "acme")
        #expect(profile.accountTraits == ["name": .string("Acme")])
        #expect(profile.eventCounts == ["Signed Up": 1])
    }

    @Test("PostHog v1: Bearer key, a result per event uuid, refused events dropped")
    func postHogV1() async throws {
        let harness = try await Harness()
        let body = """
            {"created_at": "2026-06-01T00:00:00Z", "batch": [
              {"event": "$pageview", "distinct_id": "u9", "uuid": "v1", "timestamp": "2026-06-01T00:00:00Z",
               "properties": {"$current_url": "https://example.com/pricing", "$pathname": "/pricing"}},
              {"event": 7, "distinct_id": "u9", "uuid": "v2", "timestamp": "2026-06-01T00:00:00Z"}
            ]}
            """
        try await harness.run { client in
            try await client.execute(
                uri: "/i/v1/analytics/events", method: .post, headers: harness.bearer(harness.writeKey),
                body: ByteBuffer(string: body)
            ) { response in
                #expect(response.status == .ok)
                #expect(response.json["results"]?["v1"]?["result"] == .string("ok"))
                #expect(response.json["results"]?["v2"]?["result"] == .string("drop"))
            }
        }
        let profile = try #require(try await harness.store.profile(id: "u9", asOf: Harness.now))
        #expect(profile.eventCounts == ["Page Viewed": 1])
        #expect(profile.recentEvents.first?.properties["path"] == .string("/pricing"))
    }
}
