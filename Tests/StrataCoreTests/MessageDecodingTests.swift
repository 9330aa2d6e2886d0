import StrataCore
import Testing

/// Decoding the payload shapes real SDKs send, and every validation reason.
struct MessageDecodingTests {
    static let received: Int64 = 1_782_820_800_000  // 2026-06-30T12:00:00Z

    func decode(_ text: String) -> [Result<Message, MessageError>] {
        var bytes = Array(text.utf8)
        return bytes.withUnsafeMutableBufferPointer { buffer in
            MessageDocument.decode(UnsafeBufferPointer(buffer), receivedAt: Self.received).map(\.result)
        }
    }

    func message(_ text: String) throws -> Message {
        let results = decode(text)
        #expect(results.count == 1)
        return try #require(try results.first?.get())
    }

    @Test func idsWithControlCharactersAreRefusedNamingTheField() throws {
        let cases = [
            (#"{"type":"track","userId":"u1","event":"A","messageId":"m\n1"}"#, "messageId"),
            (#"{"type":"track","userId":"u\r1","event":"A"}"#, "userId"),
            (#"{"type":"page","anonymousId":"a\t1"}"#, "anonymousId"),
            (#"{"type":"group","userId":"u1","groupId":"acme\u0000"}"#, "groupId"),
            (#"{"type":"alias","userId":"u1","previousId":"p\u007f"}"#, "previousId"),
        ]
        for (text, field) in cases {
            let expected = MessageError(
                .invalidId, field: field, "expected an id without control characters (line breaks, tabs)")
            #expect(decode(text).map { $0.map(\.messageId) } == [.failure(expected)], "\(text)")
            let bytes = Array(text.utf8)
            // The fast path leaves such messages to the decoder, or refuses them the same way.
            let scanned = bytes.withUnsafeBufferPointer { Message.Header(scanning: $0, receivedAt: Self.received) }
            #expect(scanned == nil, "\(text)")
        }
        // Other characters are ids as sent.
        #expect(try message(#"{"type":"track","userId":"ann é ✓","event":"A","messageId":"m 1"}"#).userId == "ann é ✓")
    }

    // segment-analytics-python: Python isoformat timestamps with microseconds and +00:00, explicit nulls.
    static let segmentPython = """
        {"batch": [{"properties": {"plan": "pro", "revenue": 49.5}, "timestamp": "2026-06-30T10:15:30.123456+00:00", \
        "context": {"library": {"name": "analytics-python", "version": "2.3.3"}}, "userId": "user-1", \
        "integrations": {}, "anonymousId": null, "type": "track", "event": "Order Completed", \
        "messageId": "6f1d4c2e-8c1a-4b7a-9a55-0d7e2f0c9b11"}, \
        {"traits": {"email": "ann@example.com", "plan": "trial"}, "timestamp": "2026-06-30T10:15:31+00:00", \
        "context": {"library": {"name": "analytics-python", "version": "2.3.3"}}, "userId": "user-1", \
        "integrations": {}, "anonymousId": "anon-9", "type": "identify", "messageId": "m-2"}, \
        {"groupId": "acme", "traits": {"industry": "manufacturing", "employees": 120}, \
        "timestamp": "2026-06-30T10:15:32.5+00:00", "userId": "user-1", "anonymousId": null, "type": "group", \
        "messageId": "m-3", "context": {}, "integrations": {}}, \
        {"previousId": "anon-7", "userId": "user-1", "timestamp": "2026-06-30T10:15:33Z", "type": "alias", \
        "messageId": "m-4", "context": {}, "integrations": {}}], "sentAt": "2026-06-30T10:15:40.000001+00:00"}
        """

    @Test func segmentPythonBatch() throws {
        let results = decode(Self.segmentPython)
        #expect(results.count == 4)
        let track = try results[0].get()
        #expect(track.kind == .track)
        #expect(track.event == "Order Completed")
        #expect(track.userId == "user-1")
        #expect(track.anonymousId == nil)
        #expect(track.messageId == "6f1d4c2e-8c1a-4b7a-9a55-0d7e2f0c9b11")
        // 2026-06-30T10:15:30.123Z; microseconds are truncated to milliseconds.
        #expect(track.timestamp == 1_782_814_530_123)
        #expect(track.sentAt == 1_782_814_540_000)
        #expect(track.properties["revenue"] == .number(49.5))
        #expect(track.context?["library"]?.objectValue?["name"] == .string("analytics-python"))
        let identify = try results[1].get()
        #expect(identify.kind == .identify)
        #expect(identify.anonymousId == "anon-9")
        #expect(identify.traits["plan"] == .string("trial"))
        #expect(identify.timestamp == 1_782_814_531_000)
        let group = try results[2].get()
        #expect(group.groupId == "acme")
        #expect(group.traits["employees"] == .number(120))
        #expect(group.timestamp == 1_782_814_532_500)
        let alias = try results[3].get()
        #expect(alias.previousId == "anon-7")
        #expect(alias.timestamp == 1_782_814_533_000)
    }

    // rudder-sdk-python: `originalTimestamp`, `channel`, `rudderId`-style extras.
    @Test func rudderStackMessage() throws {
        let message = try message(
            """
            {"channel": "server", "context": {"library": {"name": "rudder-sdk-python", "version": "2.1.0"}}, \
            "originalTimestamp": "2026-06-30T08:00:00.250+00:00", "sentAt": "2026-06-30T08:00:01.000+00:00", \
            "type": "track", "event": "Logged In", "userId": 42, "properties": {}, "messageId": "r-1"}
            """)
        #expect(message.event == "Logged In")
        #expect(message.userId == "42")  // numeric ids are read as their decimal text
        #expect(message.timestamp == 1_782_806_400_250)
        #expect(message.time == 1_782_806_400_250)
    }

    // analytics.js: page calls with name, context.page, userId null, Z timestamps with milliseconds.
    @Test func analyticsJSPage() throws {
        let message = try message(
            """
            {"type": "page", "name": "Pricing", "category": null, \
            "properties": {"path": "/pricing", "url": "https://acme.io/pricing", "title": "Pricing | Acme", \
            "referrer": "https://google.com/", "search": "", "name": "Old"}, \
            "context": {"page": {"path": "/pricing", "url": "https://acme.io/pricing"}, "userAgent": "Mozilla/5.0", \
            "library": {"name": "analytics.js", "version": "npm:next-1.70.0"}}, \
            "anonymousId": "4bd9a1ac-94b1-4a0e-a0b3-bbaa8f0b56c9", "userId": null, \
            "timestamp": "2026-06-30T09:00:00.999Z", "integrations": {}, "messageId": "ajs-next-1", \
            "writeKey": "wk", "sentAt": "2026-06-30T09:00:01.100Z", "_metadata": {"bundled": ["Segment.io"]}}
            """)
        #expect(message.kind == .page)
        #expect(message.event == "Page Viewed")
        #expect(message.properties["name"] == .string("Pricing"))  // the top-level name wins
        #expect(message.properties["path"] == .string("/pricing"))
        #expect(message.properties["title"] == .string("Pricing | Acme"))
        #expect(message.properties["referrer"] == .string("https://google.com/"))
        #expect(message.userId == nil)
        #expect(message.timestamp == 1_782_810_000_999)
    }

    @Test func screenAndPageFromContext() throws {
        let screen = try message(
            #"{"type":"screen","name":"Home","category":"Main","anonymousId":"a","messageId":"s1","timestamp":"2026-06-30T00:00:00Z"}"#
        )
        #expect(screen.event == "Screen Viewed")
        #expect(screen.properties == ["name": .string("Home"), "category": .string("Main")])
        let page = try message(
            #"{"type":"page","anonymousId":"a","messageId":"p1","context":{"page":{"path":"/docs","title":"Docs"}}}"#)
        #expect(page.properties == ["path": .string("/docs"), "title": .string("Docs")])
        #expect(page.timestamp == nil)
        #expect(page.time == Self.received)  // no timestamp: the time of receipt
    }

    @Test(arguments: [
        ("2026-06-30T10:15:30Z", Int64(1_782_814_530_000)),
        ("2026-06-30T10:15:30.1Z", 1_782_814_530_100),
        ("2026-06-30T10:15:30.123456789Z", 1_782_814_530_123),
        ("2026-06-30T12:15:30+02:00", 1_782_814_530_000),
        ("2026-06-30T05:15:30-0500", 1_782_814_530_000),
        ("2026-06-30 10:15:30", 1_782_814_530_000),
        ("2024-02-29T00:00:00Z", 1_709_164_800_000),
        ("1970-01-01T00:00:00.000Z", 0),
        ("2026-06-30", 1_782_777_600_000),
    ])
    func timestampForms(text: String, expected: Int64) {
        #expect(Instant.parse(text) == expected)
    }

    @Test(arguments: ["2026-02-30T00:00:00Z", "2026-06-30T24:00:00Z", "yesterday", "2026-06-30T10:15:30+25:00", ""])
    func invalidTimestamps(text: String) {
        #expect(Instant.parse(text) == nil)
    }

    @Test func formatsInstants() {
        #expect(Instant.format(0) == "1970-01-01T00:00:00.000Z")
        #expect(Instant.format(1_782_814_530_123) == "2026-06-30T10:15:30.123Z")
        #expect(Instant.format(-1) == "1969-12-31T23:59:59.999Z")
    }

    static let reasonCases: [(String, MessageError.Reason, String?)] = [
        (#"{"type":"track","event":"A"}"#, .missingId, "userId"),
        (#"{"type":"track","userId":null,"anonymousId":"","event":"A"}"#, .missingId, "userId"),
        (#"{"type":"track","userId":"u"}"#, .missingEvent, "event"),
        (#"{"type":"track","userId":"u","event":""}"#, .missingEvent, "event"),
        (#"{"type":"track","userId":"u","event":"A","timestamp":"not a time"}"#, .invalidTimestamp, "timestamp"),
        (#"{"type":"track","userId":"u","event":"A","timestamp":1782814530}"#, .wrongType, "timestamp"),
        (#"{"type":"track","userId":"u","event":"A","properties":[1,2]}"#, .wrongType, "properties"),
        (#"{"type":"track","userId":{"id":1},"event":"A"}"#, .wrongType, "userId"),
        (#"{"type":"track","userId":"u","event":7}"#, .wrongType, "event"),
        (#"{"type":"purchase","userId":"u"}"#, .unknownType, "type"),
        (#"{"userId":"u"}"#, .unknownType, "type"),
        (#"{"type":"group","userId":"u"}"#, .missingGroupId, "groupId"),
        (#"{"type":"alias","userId":"u"}"#, .missingPreviousId, "previousId"),
        (#"[1,2]"#, .notAnObject, nil),
        (#"{"type":"track","userId":"u","event":"A""#, .invalidJSON, nil),
    ]

    @Test(arguments: reasonCases)
    func validationReasons(text: String, reason: MessageError.Reason, field: String?) {
        let results = decode(text)
        #expect(results.count == 1)
        guard case .failure(let error)? = results.first else {
            Issue.record("expected \(reason) for \(text)")
            return
        }
        #expect(error.reason == reason)
        #expect(error.field == field)
    }

    @Test func tooLarge() {
        let big = String(repeating: "x", count: 33_000)
        let single = decode(#"{"type":"track","userId":"u","event":"A","properties":{"blob":"\#(big)"}}"#)
        guard case .failure(let error)? = single.first else {
            Issue.record("a 33 KB message was accepted")
            return
        }
        #expect(error.reason == .tooLarge)
        // In a batch only the oversized message is refused.
        let batch = decode(
            #"{"batch":[{"type":"track","userId":"u","event":"A","messageId":"ok"},{"type":"track","userId":"u","event":"B","properties":{"blob":"\#(big)"}}]}"#
        )
        #expect(batch.count == 2)
        #expect((try? batch[0].get())?.messageId == "ok")
        if case .failure(let error) = batch[1] { #expect(error.reason == .tooLarge) } else { Issue.record("accepted") }
    }

    @Test func derivedMessageIdIsStable() throws {
        let text = #"{"type":"track","userId":"u","event":"A","timestamp":"2026-06-30T00:00:00Z"}"#
        let a = try message(text)
        let b = try message(#"{"event":"A","timestamp":"2026-06-30T00:00:00Z","userId":"u","type":"track"}"#)
        let c = try message(#"{"type":"track","userId":"u","event":"B","timestamp":"2026-06-30T00:00:00Z"}"#)
        #expect(a.messageId.hasPrefix("strata-"))
        #expect(a.messageId.count == 39)
        #expect(a.messageId == b.messageId)  // key order does not matter
        #expect(a.messageId != c.messageId)
    }

    @Test func jsonReadsBackAsTheSameMessage() throws {
        let batch = try decode(Self.segmentPython).map { try $0.get() }
        let page = try message(
            #"{"type":"page","name":"Docs","anonymousId":"a","messageId":"p1","context":{"page":{"path":"/docs"}}}"#)
        for message in batch + [page] {
            #expect(try Message.decode(message.json, receivedAt: 0) == message)
        }
        #expect(
            JSONWriter.string(batch[3].json)
                == #"{"context":{},"integrations":{},"messageId":"m-4","previousId":"anon-7","#
                + #""receivedAt":"2026-06-30T12:00:00.000Z","sentAt":"2026-06-30T10:15:40.000Z","#
                + #""timestamp":"2026-06-30T10:15:33.000Z","type":"alias","userId":"user-1"}"#)
    }
}
