import Foundation
import Hummingbird
import HummingbirdTesting
import StrataCore
import StrataServer
import StrataStore
import Testing

/// The server's limits under load and abuse: back-pressure on ingestion, reads that do not wait for the
/// engine, caps on messages and quarantine rows, and connections that cannot be held open for free.
@Suite("Limits")
struct LimitsTests {
    /// A Segment batch of `count` messages, each `message(index)`.
    static func batch(_ count: Int, _ message: (Int) -> String) -> ByteBuffer {
        ByteBuffer(string: #"{"batch": ["# + (0..<count).map(message).joined(separator: ",") + "]}")
    }

    /// The value of a series in the server's metrics, as printed; nil when it is not there.
    static func metric(_ series: String, _ client: some TestClientProtocol, _ harness: Harness) async throws -> String?
    {
        try await client.execute(uri: "/api/v1/metrics", method: .get, headers: harness.bearer(harness.adminKey)) {
            MetricsTests.series($0.text)[series]
        }
    }

    /// Waits (up to 10 s) for `GET /ready` to answer 200.
    static func waitUntilReady(_ client: some TestClientProtocol) async throws {
        for _ in 0..<200 {
            let status = try await client.execute(uri: "/ready", method: .get) { $0.status }
            if status == .ok { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("the server never became ready")
    }

    @Test("past max_lag messages behind, ingestion answers 503 with Retry-After; /ready and the metrics show the lag")
    func backPressure() async throws {
        let harness = try await Harness(server: ["max_lag": "2"])
        // A definition that does not compile: the engine cannot start, so nothing stored is taken.
        try harness.write("title: Broken\nwhere: did(\n", to: "segments/broken.yaml")
        let track: @Sendable (Int) -> String = {
            #"{"type": "track", "userId": "u", "event": "E", "messageId": "m\#($0)"}"#
        }
        try await harness.run { client in
            try await client.execute(
                uri: "/v1/batch", method: .post, headers: harness.basic, body: Self.batch(3, track)
            ) { response in
                #expect(response.status == .ok)
                #expect(response.json["stored"] == .number(3))
            }
            try await client.execute(
                uri: "/v1/track", method: .post, headers: harness.basic, body: ByteBuffer(string: track(3))
            ) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[.retryAfter] == "1")
                #expect(response.json["error"]?["code"] == .string("overloaded"))
                #expect(
                    response.json["error"]?["message"]
                        == .string("the real-time engine is 3 messages behind, over the limit of 2: retry later"))
            }
            try await client.execute(uri: "/ready", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.json == .object(["status": .string("starting"), "lag_messages": .number(3)]))
            }
            #expect(try await Self.metric("strata_limited_total{limit=\"lag\"}", client, harness) == "1")
            #expect(try await Self.metric("strata_live_lag_messages", client, harness) == "3.0")
        }
        #expect(try await harness.store.statistics().messages == 3)
    }

    @Test("reads answer at once from the recorded memberships while the engine is behind, saying what instant")
    func readsDoNotWait() async throws {
        let harness = try await Harness(server: ["read_wait": "0"])
        try harness.write("title: Pinged\nwhere: did(\"Ping\")\n", to: "segments/pinged.yaml")
        let admin = harness.bearer(harness.adminKey)
        let instant = Instant.format(Harness.now)
        try await harness.run { client in
            try await Self.waitUntilReady(client)
            // 50,000 messages of five profiles stored behind the server's back: a long backlog.
            let backlog = (0..<50_000).map { index in
                Message(
                    kind: .track, messageId: "b\(index)", userId: "hot-\(index % 5)", event: "Ping",
                    receivedAt: Harness.now)
            }
            _ = try await harness.store.append(backlog, quarantine: [])
            let track = #"{"type": "track", "userId": "late", "event": "Ping", "messageId": "late"}"#
            try await client.execute(
                uri: "/v1/track", method: .post, headers: harness.basic, body: ByteBuffer(string: track)
            ) { #expect($0.status == .ok) }
            for uri in ["/api/v1/segments/pinged/members", "/api/v1/segments", "/api/v1/segments/pinged"] {
                try await client.execute(uri: uri, method: .get, headers: admin) { response in
                    #expect(response.status == .ok, "\(uri)")
                    #expect(response.currentTo == instant, "\(uri)")
                    #expect(response.json["current_to"] == .string(instant), "\(uri)")
                }
            }
            try await client.execute(uri: "/api/v1/segments/pinged/members?format=csv", method: .get, headers: admin) {
                #expect($0.currentTo == instant)
            }
            try await client.execute(uri: "/ready", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.json["current_to"] == .string(instant))
                #expect((response.json["lag_messages"]?.numberValue ?? 0) > 0)
            }
        }
    }

    @Test("concurrent PUTs of one segment, each on its own connection, each answer with their own definition")
    func concurrentPuts() async throws {
        let harness = try await Harness()
        try await harness.run { client in
            let port = try #require(client.port)
            for round in 0..<10 {
                let texts = ["a", "b"].map { "title: Round \(round) \($0)\nwhere: did(\"Buy\")\n" }
                let puts = try texts.map { text in
                    let head =
                        "PUT /api/v1/segments/paying HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(harness.adminKey)\r\n"
                        + "Content-Length: \(text.utf8.count)\r\n\r\n"
                    return try EventStreamReader(port: port, request: Array((head + text).utf8))
                }
                for put in puts { #expect(try await put.wait { $0.received.hasSuffix("}\n") }) }
                let answered = puts.map { put in
                    let body = put.received.split(separator: "\r\n\r\n", maxSplits: 1).last.map(String.init) ?? ""
                    return (try? JSONParser.parse(Array(body.utf8)))?["definition"]
                }
                #expect(answered == texts.map(JSONValue.string), "round \(round)")
            }
        }
    }

    @Test("an empty path segment reaches no route: PUT /api/v1/segments//paying leaves paying alone")
    func emptyPathSegment() async throws {
        let harness = try await Harness()
        let admin = harness.bearer(harness.adminKey)
        let paying = "title: Paying\nwhere: did(\"Buy\")\n"
        try await harness.run { client in
            try await client.execute(
                uri: "/api/v1/segments/paying", method: .put, headers: admin, body: ByteBuffer(string: paying)
            ) { #expect($0.status == .created) }
            try await client.execute(
                uri: "/api/v1/segments//paying", method: .put, headers: admin,
                body: ByteBuffer(string: "title: Other\nwhere: did(\"Other\")\n")
            ) { response in
                #expect(response.status == .notFound)
                #expect(response.json["error"]?["code"] == .string("not_found"))
            }
            try await client.execute(uri: "/api/v1/segments/paying", method: .get, headers: admin) {
                #expect($0.json["definition"] == .string(paying))
            }
        }
    }

    @Test("a gzip body cut short is a 400 naming it, not what part of it inflates to")
    func truncatedGzip() async throws {
        let harness = try await Harness()
        // gzip of {"type": "track", "userId": "u", "event": "E"} without its 8-byte trailer.
        let truncated: [UInt8] = [
            0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0xAB, 0x56, 0x2A, 0xA9, 0x2C, 0x48, 0x55, 0xB2,
            0x52, 0x50, 0x2A, 0x29, 0x4A, 0x4C, 0xCE, 0x56, 0xD2, 0x51, 0x50, 0x2A, 0x2D, 0x4E, 0x2D, 0xF2, 0x4C, 0x01,
            0x09, 0x95, 0x82, 0xB8, 0xA9, 0x65, 0xA9, 0x79, 0x25, 0x20, 0x9E, 0xAB, 0x52, 0x2D, 0x00,
        ]
        var fields = harness.basic
        fields[.contentEncoding] = "gzip"
        let headers = fields
        try await harness.run { client in
            try await client.execute(
                uri: "/v1/track", method: .post, headers: headers, body: ByteBuffer(bytes: truncated)
            ) { response in
                #expect(response.status == .badRequest)
                #expect(response.json["error"]?["code"] == .string("invalid_encoding"))
                #expect(
                    response.json["error"]?["message"]
                        == .string(
                            "the body is not whole gzip data: the compressed stream is cut short or followed by other bytes"
                        ))
            }
        }
        #expect(try await harness.store.statistics().messages == 0)
    }

    @Test("a client that writes a 7.5 MB body before reading gets its 413 instead of blocking")
    func earlyTooLarge() async throws {
        let harness = try await Harness()
        let body = [UInt8](repeating: 0x20, count: 15 << 19)
        try await harness.run { client in
            let port = try #require(client.port)
            let key = try #require(harness.basic[.authorization])
            let head =
                "POST /v1/batch HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: \(key)\r\nConnection: close\r\n"
                + "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n"
            let answer = try EventStreamReader(port: port, request: Array(head.utf8) + body)
            #expect(answer.sent == head.utf8.count + body.count)
            #expect(try await answer.wait { $0.received.contains("}}") })
            #expect(answer.received.hasPrefix("HTTP/1.1 413 Payload Too Large\r\n"))
        }
    }

    @Test("a request of more than max_messages_per_request messages is refused whole, quarantining nothing")
    func tooManyMessages() async throws {
        let harness = try await Harness()
        try await harness.run { client in
            try await client.execute(
                uri: "/v1/batch", method: .post, headers: harness.basic, body: Self.batch(100_000) { _ in "{}" }
            ) { response in
                #expect(response.status == .contentTooLarge)
                #expect(
                    response.json["error"]?["message"]
                        == .string("the request holds 100000 messages, over the limit of 10000"))
            }
            #expect(
                try await Self.metric("strata_limited_total{limit=\"messages_per_request\"}", client, harness) == "1")
        }
        #expect(try await harness.store.statistics().quarantined == 0)
    }

    @Test("quarantine rows are capped per request and per key per minute; the answer still names every refusal")
    func quarantineCaps() async throws {
        let harness = try await Harness(server: ["max_quarantine_per_key_per_minute": "120"])
        // Refused (no user id), each different, so none is a repeat of one already quarantined.
        let refused: @Sendable (Int) -> (Int) -> String = { offset in
            { #"{"type": "track", "event": "E\#(offset + $0)"}"# }
        }
        try await harness.run { client in
            try await client.execute(
                uri: "/v1/batch", method: .post, headers: harness.basic, body: Self.batch(150, refused(0))
            ) { response in
                #expect(response.status == .badRequest)
                #expect(response.json["failed"]?.arrayValue?.count == 150)
                #expect(
                    response.json["error"]?["message"]
                        == .string("150 of 150 messages were refused; 100 of them were quarantined"))
            }
            #expect(try await harness.store.statistics().quarantined == 100)
            try await client.execute(
                uri: "/v1/batch", method: .post, headers: harness.basic, body: Self.batch(50, refused(1000))
            ) { #expect($0.status == .badRequest) }
            #expect(try await harness.store.statistics().quarantined == 120)
            // A minute later the key may quarantine again.
            harness.clock.advance(by: 60_000)
            try await client.execute(
                uri: "/v1/batch", method: .post, headers: harness.basic, body: Self.batch(50, refused(2000))
            ) { #expect($0.status == .badRequest) }
            #expect(try await harness.store.statistics().quarantined == 170)
            #expect(
                try await Self.metric("strata_limited_total{limit=\"quarantine_per_request\"}", client, harness) == "50"
            )
            #expect(
                try await Self.metric("strata_limited_total{limit=\"quarantine_per_key\"}", client, harness) == "30")
        }
    }

    @Test("PostHog's batch must be an array: {\"batch\": 0} is a 400")
    func postHogBatchNotArray() async throws {
        let harness = try await Harness()
        try await harness.run { client in
            for uri in ["/i/v1/analytics/events", "/batch/"] {
                try await client.execute(
                    uri: uri, method: .post, headers: harness.bearer(harness.writeKey),
                    body: ByteBuffer(string: #"{"batch": 0}"#)
                ) { response in
                    #expect(response.status == .badRequest, "\(uri)")
                    #expect(
                        response.json["error"]?["message"] == .string("`batch` must be an array of events"), "\(uri)")
                }
            }
        }
        #expect(try await harness.store.statistics().quarantined == 0)
    }

    @Test("connections close after idle_timeout without a request, header_timeout for a head, body_timeout for a body")
    func connectionTimeouts() async throws {
        let harness = try await Harness(server: ["idle_timeout": "1", "header_timeout": "0.3", "body_timeout": "0.3"])
        try await harness.run { client in
            let port = try #require(client.port)
            // The test client's connection, opened before this closure and never used, is closed for being
            // idle as the raw one below is; using it here would race its own timeout on a loaded machine.
            let head = try EventStreamReader(port: port, request: Array("GET /health HTTP/1.1\r\nHost: x\r\n".utf8))
            let body = try EventStreamReader(
                port: port,
                request: Array("POST /v1/track HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"userId\"".utf8))
            #expect(try await head.wait { $0.closed })
            #expect(try await body.wait { $0.closed })
            let idle = try EventStreamReader(port: port, request: [])
            #expect(try await idle.wait { $0.closed })
            #expect([head.received, idle.received] == ["", ""])
            let metrics = try EventStreamReader(
                port: port, path: "/api/v1/metrics", headers: ["Authorization": "Bearer \(harness.adminKey)"])
            #expect(try await metrics.wait { $0.received.contains("strata_http_requests_total") })
            let series = MetricsTests.series(metrics.received)
            #expect(
                ["idle_timeout", "header_timeout", "body_timeout"].map {
                    series["strata_limited_total{limit=\"\($0)\"}"]
                }
                    == ["2", "1", "1"])
        }
    }

    @Test("at max_connections a new connection takes the place of the one idle longest, counted")
    func connectionLimitEvicts() async throws {
        let harness = try await Harness(server: ["max_connections": "2"])
        try await harness.run { client in
            let port = try #require(client.port)
            // The test client's connection, idle since this answer, is the oldest.
            try await client.execute(uri: "/health", method: .get) { #expect($0.status == .ok) }
            let first = try EventStreamReader(port: port, path: "/health", headers: [:])
            #expect(try await first.wait { $0.received.contains("ok") })
            let second = try EventStreamReader(port: port, path: "/health", headers: [:])
            #expect(try await second.wait { $0.received.contains("ok") })
            // Takes the place of `first`, after the test client's.
            let metrics = try EventStreamReader(
                port: port, path: "/api/v1/metrics", headers: ["Authorization": "Bearer \(harness.adminKey)"])
            #expect(try await metrics.wait { $0.received.contains("strata_http_requests_total") })
            #expect(MetricsTests.series(metrics.received)["strata_limited_total{limit=\"connections\"}"] == "2")
            #expect(try await first.wait { $0.closed })
            #expect(!second.closed)
        }
    }

    @Test("at max_connections with a request under way on each, a new connection is closed as it opens")
    func connectionLimitRefuses() async throws {
        let harness = try await Harness(server: ["max_connections": "2"])
        let auth = ["Authorization": "Bearer \(harness.adminKey)"]
        try await harness.run { client in
            let port = try #require(client.port)
            try await client.execute(uri: "/health", method: .get) { #expect($0.status == .ok) }
            // Two change streams, answers that never end: the second takes the test client's place.
            let streams = try (0..<2).map { _ in
                try EventStreamReader(port: port, path: "/api/v1/changes/stream", headers: auth)
            }
            for stream in streams { #expect(try await stream.wait { $0.received.contains("membership changes") }) }
            let refused = try EventStreamReader(port: port, path: "/health", headers: [:])
            #expect(try await refused.wait { $0.closed })
            #expect(refused.received == "")
            #expect(streams.map(\.closed) == [false, false])
        }
    }

    /// A connection that sends the head of a track with a body of 1,000 bytes, and `bytes` of them.
    static func slowBody(port: Int, bytes: Int) throws -> EventStreamReader {
        let head =
            "POST /v1/track HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
        return try EventStreamReader(port: port, request: Array((head + String(repeating: " ", count: bytes)).utf8))
    }

    /// A new connection that sends a keyed track by `user` and then, on the same connection, a read of
    /// the metrics; it waits (up to 10 s) for the metrics.
    static func trackThenMetrics(port: Int, user: String, _ harness: Harness) async throws -> EventStreamReader {
        let track = #"{"type": "track", "userId": "\#(user)", "event": "Probe"}"#
        let request =
            "POST /v1/track HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(harness.writeKey)\r\n"
            + "Content-Type: application/json\r\nContent-Length: \(track.utf8.count)\r\n\r\n\(track)"
            + "GET /api/v1/metrics HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(harness.adminKey)\r\n\r\n"
        let answer = try EventStreamReader(port: port, request: Array(request.utf8))
        #expect(try await answer.wait { $0.received.contains("strata_http_requests_total") })
        return answer
    }

    /// Runs `test` with the port of a server that keeps `slots` connections open, once the test client's
    /// connection has had an answer (it then waits for a request, longest of all); returns the harness.
    static func withSlots(
        _ slots: Int, _ test: @escaping @Sendable (Harness, Int) async throws -> Void
    )
        async throws -> Harness
    {
        let harness = try await Harness(server: ["max_connections": "\(slots)"])
        try await harness.run { client in
            try await client.execute(uri: "/health", method: .get) { #expect($0.status == .ok) }
            try await test(harness, try #require(client.port))
        }
        return harness
    }

    /// How many connections the metrics in `answer` count as closed for the bound.
    static func connectionsLimited(_ answer: EventStreamReader) -> String? {
        MetricsTests.series(answer.received)["strata_limited_total{limit=\"connections\"}"]
    }

    @Test("at max_connections with every connection in a slow body, a keyed request takes the place of the slowest")
    func slowBodiesGivePlace() async throws {
        let harness = try await Self.withSlots(8) { harness, port in
            // Eight bodies, the later ones slower: 80 bytes, 70, ... 10. The eighth takes the place of the
            // test client's connection, which waits for a request.
            let bodies = try (0..<8).map { try Self.slowBody(port: port, bytes: (8 - $0) * 10) }
            // Past the grace every body has to come at a rate.
            try await Task.sleep(for: .milliseconds(1500))
            let answer = try await Self.trackThenMetrics(port: port, user: "probe", harness)
            #expect(answer.received.hasPrefix("HTTP/1.1 200 OK\r\n"))
            #expect(Self.connectionsLimited(answer) == "2")
            // The server closed it before it answered; this side may see the close a moment later.
            #expect(try await bodies[7].wait { $0.closed })
            #expect(bodies.map(\.closed) == [false, false, false, false, false, false, false, true])
            for body in bodies { body.hangUp() }
        }
        #expect(try await harness.store.statistics().messages == 1)
    }

    @Test("slow bodies past half of max_connections give their place before connections that wait")
    func slowBodiesPastHalf() async throws {
        let harness = try await Self.withSlots(4) { harness, port in
            let bodies = try [30, 10, 20].map { try Self.slowBody(port: port, bytes: $0) }
            try await Task.sleep(for: .milliseconds(1500))
            // Three bodies of four slots: the slowest (10 bytes) gives its place, not the test client's
            // connection, which has waited longest.
            let first = try await Self.trackThenMetrics(port: port, user: "first", harness)
            #expect(first.received.hasPrefix("HTTP/1.1 200 OK\r\n"))
            #expect(Self.connectionsLimited(first) == "1")
            #expect(try await bodies[1].wait { $0.closed })
            #expect(bodies.map(\.closed) == [false, true, false])
            // Two bodies of four slots: the test client's connection, which has waited longest, goes.
            let second = try await Self.trackThenMetrics(port: port, user: "second", harness)
            #expect(second.received.hasPrefix("HTTP/1.1 200 OK\r\n"))
            #expect(Self.connectionsLimited(second) == "2")
            #expect(bodies.map(\.closed) == [false, true, false])
            #expect(!first.closed)
            for body in bodies { body.hangUp() }
        }
        #expect(try await harness.store.statistics().messages == 2)
    }
}
