import StrataCore
import StrataStore
import Testing

/// Scanning a message straight into its stored form against decoding it first.
struct StoredMessageTests {
    static let received: Int64 = 1_782_777_600_000  // 2026-06-30T00:00:00Z

    func scanned(_ text: String) -> StoredMessage? {
        Array(text.utf8).withUnsafeBufferPointer { StoredMessage(scanning: $0, receivedAt: Self.received) }
    }

    func decoded(_ text: String) -> Result<StoredMessage, MessageError>? {
        let items = Array(text.utf8).withUnsafeBufferPointer {
            MessageDocument.decode($0, receivedAt: Self.received)
        }
        return items.count == 1 ? items[0].result.map(StoredMessage.init) : nil
    }

    /// Content hashes are stored: they must never change. The values were worked out by a separate
    /// implementation of the hash (in Python) from the bytes the store's documentation names.
    @Test func contentHashesKeepTheirValues() {
        let bytes = Array("g-1-11410-14".utf8)
        #expect(Hash.hash128(bytes) == (0x0e53_f708_fd23_6ed9, 0xa7d7_3d31_37e4_9acc))
        var pieces = Hash.Hasher128()
        pieces.add(Array(bytes[0..<5]))
        pieces.add("1410-14")
        #expect(pieces.finish() == Hash.hash128(bytes))
        // messageId, type, userId, anonymousId, event, groupId, previousId, timestamp and payload, each
        // followed by 1 when absent and 0 when present.
        let message = Message(
            kind: .track, messageId: "m1", userId: "u", event: "Logged In", properties: ["plan": .string("pro")],
            timestamp: 1_782_777_660_000, receivedAt: Self.received)
        #expect(StoredMessage(message).contentHash == 2_330_852_499_390_834_228)
    }

    @Test func aTrackCallScansToItsColumns() throws {
        let stored = try #require(
            scanned(
                #"{"type":"track","messageId":"m-1","userId":"u-1","event":"Payment Succeeded","#
                    + #""properties":{"plan":"pro","amount":87},"timestamp":"2026-06-30T00:00:01.500Z","#
                    + #""context":{"ip":"10.0.0.1"},"integrations":{"All":true}}"#))
        #expect(stored.kind == .track)
        #expect(stored.messageId == "m-1")
        #expect(stored.userId == "u-1")
        #expect(stored.event == "Payment Succeeded")
        #expect(stored.timestamp == Self.received + 1500)
        #expect(stored.receivedAt == Self.received)
        #expect(stored.payload == Array(#"{"amount":87,"plan":"pro"}"#.utf8))
        #expect(stored.extra == Array(#"{"context":{"ip":"10.0.0.1"},"integrations":{"All":true}}"#.utf8))
    }

    /// Every top-level key Strata reads, among keys it does not: the instants with their offsets,
    /// the numbers in canonical form, the unread keys dropped.
    @Test func everyKeyStrataReadsScansToItsColumn() throws {
        let stored = try #require(
            scanned(
                #"{"version":2,"type":"screen","messageId":"s-9","anonymousId":"a-9","userId":null,"#
                    + #""name":"Home","category":"Main","originalTimestamp":"2026-06-30T12:00:00.5+02:00","#
                    + #""sentAt":"2026-06-30T10:00:01Z","receivedAt":"2026-06-30T10:00:02.25Z","flag":true,"#
                    + #""properties":{"n":1e3,"m":-2.5E-2,"k":1.0},"integrations":{"All":false},"off":[null]}"#))
        #expect(stored.kind == .screen)
        #expect(stored.messageId == "s-9")
        #expect(stored.userId == nil)
        #expect(stored.anonymousId == "a-9")
        #expect(stored.event == "Screen Viewed")
        // 12:00:00.5 at +02:00 is 10:00:00.500 UTC, 36,000.5 s after midnight.
        #expect(stored.timestamp == Self.received + 36_000_500)
        #expect(stored.sentAt == Self.received + 36_001_000)
        #expect(stored.receivedAt == Self.received + 36_002_250)
        #expect(stored.payload == Array(#"{"category":"Main","k":1,"m":-0.025,"n":1000,"name":"Home"}"#.utf8))
        #expect(stored.extra == Array(#"{"integrations":{"All":false}}"#.utf8))
    }

    @Test func aPageCallGetsItsNameInProperties() throws {
        let stored = try #require(
            scanned(
                #"{"type":"page","messageId":"p-1","anonymousId":"a-1","name":"Pricing","category":"Docs","#
                    + #""properties":{"path":"/pricing","name":"old"}}"#))
        #expect(stored.event == "Page Viewed")
        #expect(stored.payload == Array(#"{"category":"Docs","name":"Pricing","path":"/pricing"}"#.utf8))
        #expect(stored.extra == nil)
    }

    /// Whatever scanning reads, it stores exactly as decoding does; the rest it leaves to decoding,
    /// which alone decides refusals and their reasons.
    @Test(arguments: [
        // Read by scanning.
        (#"{"type":"identify","messageId":"i-1","userId":"u-1","traits":{"plan":"pro","mrr":87.5}}"#, true),
        (#"{"type":"group","messageId":"g-1","userId":"u-1","groupId":42,"traits":{"name":"Acme"}}"#, true),
        (
            #"{"type":"alias","messageId":"a-1","userId":"u-1","previousId":"anon-1","sentAt":"2026-06-30T01:00:00Z"}"#,
            true
        ),
        (
            #"{"type":"TRACK","messageId":7,"userId":null,"anonymousId":"a","event":"E","properties":{"b":[1,{"y":2,"x":1}],"a":-0.0}}"#,
            true
        ),
        (#"{"type":"screen","messageId":"s-1","userId":"u","properties":{"x":1}}"#, true),
        (
            #" {"type":"track","messageId":"m","userId":"u","event":"E","properties":{},"extraField":[1,2,{"k":null}]} "#,
            true
        ),
        (
            #"{"type":"track","messageId":"m","userId":"u","event":"E","on":true,"off":false,"none":null,"timestamp":"2026-06-30T12:00:00.5+02:00","properties":{"n":1e3,"m":-2.5E-2,"k":1.0}}"#,
            true
        ),
        // Left to decoding: refused.
        (#"{"type":"track","messageId":"m","userId":"u"}"#, false),
        (#"{"type":"track","messageId":"m","userId":"u","event":"E","properties":{"n":1e}}"#, false),
        (#"{"type":"track","messageId":"m","userId":"u","event":"E","on":tru}"#, false),
        (#"{"type":"track","messageId":"m","userId":"u","event":"E","sentAt":true}"#, false),
        (#"{"type":"track","messageId":"m","event":"E"}"#, false),
        (#"{"type":"nope","messageId":"m","userId":"u"}"#, false),
        (#"{"type":"track","messageId":"m","userId":"u","event":"E","timestamp":"yesterday"}"#, false),
        (#"{"type":"track","messageId":"m","userId":"u","event":"E","properties":[1]}"#, false),
        (#"{"type":"track","messageId":"m","userId":"u","event":"E","properties":{"a":1,}}"#, false),
        (#"{"type":"track","messageId":"m","userId":"u","event":"E"} x"#, false),
        (#"{"type":"group","messageId":"m","userId":"u","traits":{"a":01}}"#, false),
        (#"[{"type":"track"}]"#, false),
        // Left to decoding: accepted.
        (#"{"type":"track","messageId":"m","userId":"u","event":"E\u00e9"}"#, false),
        (#"{"type":"track","userId":"u","event":"E"}"#, false),
        (#"{"type":"track","messageId":"m","userId":"u","event":"E","properties":{"a":1,"a":2}}"#, false),
        (#"{"type":"track","messageId":"m","userId":"u","event":"E","extra":1,"extra":2}"#, false),
        (#"{"type":"track","messageId":"m","userId":"u","userId":"v","event":"E"}"#, false),
        (#"{"type":"page","messageId":"m","userId":"u","context":{"page":{"path":"/x"}}}"#, false),
        (#"{"type":"identify","messageId":"m","userId":"u","context":{"traits":{"plan":"pro"}}}"#, false),
        (#"{"batch":[{"type":"track","messageId":"m","userId":"u","event":"E"}]}"#, false),
    ])
    func scanningAgreesWithDecoding(_ text: String, scans: Bool) {
        let stored = scanned(text)
        #expect((stored != nil) == scans)
        if let stored { #expect(decoded(text) == .success(stored)) }
    }

    func scannedDocument(_ text: String, kind: Message.Kind?) -> [StoredMessage]? {
        Array(text.utf8).withUnsafeBufferPointer {
            StoredMessage.scanning(document: $0, receivedAt: Self.received, defaultKind: kind)
        }
    }

    @Test func aBatchScansWithItsSentAtAndTheRouteKind() throws {
        let stored = try #require(
            scannedDocument(
                """
                {"writeKey": "k", "batch": [
                  {"messageId": "m-1", "userId": "u-1", "event": "Signed Up", "timestamp": "2026-06-30T00:00:01Z"},
                  {"type": "identify", "messageId": "m-2", "userId": "u-1", "traits": {"plan": "pro"},
                   "sentAt": "2026-06-30T00:00:03Z"}
                ], "sentAt": "2026-06-30T00:00:02Z"}
                """, kind: .track))
        #expect(stored.count == 2)
        #expect(stored.map(\.messageId) == ["m-1", "m-2"])
        #expect(stored.map(\.kind) == [.track, .identify])
        #expect(stored[0].timestamp == Self.received + 1000)
        #expect(stored.map(\.sentAt) == [Self.received + 2000, Self.received + 3000])
        #expect(stored[0].payload == nil)
        #expect(stored[1].payload == Array(#"{"plan":"pro"}"#.utf8))
    }

    /// A document scans only when every message in it does, and then stores exactly what decoding
    /// each message would.
    @Test(arguments: [
        (#"{"batch":[]}"#, Message.Kind?.none, true),
        (#"{"messageId":"m","userId":"u","event":"E"}"#, .track, true),
        (#"{"messageId":"m","userId":"u","traits":{"b":2,"a":1}}"#, .identify, true),
        (
            #"{"batch":[{"type":"page","messageId":"p","anonymousId":"a","name":"Home"},{"type":"alias","messageId":"l","userId":"u","previousId":"a"}],"sentAt":null}"#,
            nil, true
        ),
        (
            #" {"batch" : [ {"type":"track","messageId":"m","userId":"u","event":"E"} ] , "extra":[1,{"x":2}]} "#, nil,
            true
        ),
        // Left to decoding.
        (#"{"messageId":"m","userId":"u","event":"E"}"#, nil, false),
        (
            #"{"batch":[{"type":"track","messageId":"m","userId":"u","event":"E"},{"type":"track","messageId":"n","userId":"u"}]}"#,
            nil, false
        ),
        (
            #"{"batch":[{"type":"track","messageId":"m","userId":"u","event":"E"}],"context":{"ip":"10.0.0.1"}}"#, nil,
            false
        ),
        (#"{"batch":[{"type":"track","messageId":"m","userId":"u","event":"E"}],"sentAt":5}"#, nil, false),
        (#"{"batch":[{"type":"track","messageId":"m","userId":"u","event":"E","batch":[]}]}"#, nil, false),
        (#"{"batch":[],"batch":[]}"#, nil, false),
        (#"{"batch":{"type":"track"}}"#, nil, false),
        (#"{"batch":[1]}"#, nil, false),
        (#"{"batch":[{"type":"track","messageId":"m","userId":"u","event":"E"},]}"#, nil, false),
        (#"{"batch":[{"type":"track","messageId":"m","userId":"u","event":"E"}]} x"#, nil, false),
        (#"{"batch":[{"type":"track","messageId":"m","userId":"u","event":"E"}"#, nil, false),
    ])
    func documentScanningAgreesWithDecoding(_ text: String, kind: Message.Kind?, scans: Bool) {
        let stored = scannedDocument(text, kind: kind)
        #expect((stored != nil) == scans)
        guard let stored else { return }
        let items = Array(text.utf8).withUnsafeBufferPointer {
            MessageDocument.decode($0, receivedAt: Self.received, defaultKind: kind)
        }
        #expect(items.map { $0.result.map(StoredMessage.init) } == stored.map { .success($0) })
    }
}
