import Foundation
import Hummingbird
import HummingbirdTesting
import StrataCore
import StrataServer
import StrataStore
import Testing

/// What analytics.js in a web page sends: cross-origin requests (with a preflight when they carry a
/// key in a header), the write key in the body and `text/plain` beacons. Its one-letter routes are
/// among the single-call routes of ``IngestionTests``.
@Suite("Browser tracking")
struct BrowserTests {
    /// The origin of the page in these tests.
    static let page = "http://127.0.0.1:5500"

    /// A preflight as a browser sends it before a POST with JSON and an Authorization header.
    static func preflight(from origin: String) -> HTTPFields {
        [
            .origin: origin, .accessControlRequestMethod: "POST",
            .accessControlRequestHeaders: "authorization,content-type",
        ]
    }

    /// Headers with the `Origin` of a page added.
    static func sent(from origin: String, _ headers: HTTPFields) -> HTTPFields {
        var fields = headers
        fields[.origin] = origin
        return fields
    }

    /// A beacon's headers: `navigator.sendBeacon` with a string sends `text/plain` and no key.
    static func beacon(from origin: String = page) -> HTTPFields {
        [.origin: origin, .contentType: "text/plain;charset=UTF-8"]
    }

    @Test(
        "a preflight from any origin allows POST, analytics.js's headers, for a day",
        arguments: ["/v1/t", "/v1/track", "/v1/batch", "/batch/", "/i/v1/analytics/events"])
    func preflight(route: String) async throws {
        let harness = try await Harness()
        try await harness.run { client in
            try await client.execute(uri: route, method: .options, headers: Self.preflight(from: Self.page)) {
                #expect($0.status == .noContent)
                #expect($0.headers[.accessControlAllowOrigin] == "*")
                #expect($0.headers[.accessControlAllowMethods] == "POST, OPTIONS")
                #expect($0.headers[.accessControlAllowHeaders] == "Content-Type, Authorization")
                #expect($0.headers[.accessControlMaxAge] == "86400")
                #expect($0.headers[.vary] == nil)
            }
        }
    }

    @Test("tracking answers let any origin read them, a refusal included")
    func trackingAnswers() async throws {
        let harness = try await Harness()
        let keyed = Self.sent(from: Self.page, harness.basic)
        try await harness.run { client in
            try await client.execute(
                uri: "/v1/track", method: .post, headers: keyed,
                body: ByteBuffer(string: #"{"userId": "u", "event": "Opened"}"#)
            ) {
                #expect($0.status == .ok)
                #expect($0.headers[.accessControlAllowOrigin] == "*")
                #expect($0.headers[.accessControlAllowMethods] == nil)
            }
            try await client.execute(
                uri: "/v1/track", method: .post, headers: Self.beacon(),
                body: ByteBuffer(string: #"{"userId": "u", "event": "Opened"}"#)
            ) {
                #expect($0.status == .unauthorized)
                #expect($0.json["error"]?["code"] == .string("unauthorized"))
                #expect($0.headers[.accessControlAllowOrigin] == "*")
            }
        }
    }

    @Test("the management API, the probes and unknown routes carry no CORS header")
    func noCORSOnManagement() async throws {
        let harness = try await Harness()
        let admin = Self.sent(from: Self.page, harness.bearer(harness.adminKey))
        try await harness.run { client in
            try await client.execute(uri: "/api/v1/segments", method: .get, headers: admin) {
                #expect($0.status == .ok)
                #expect($0.headers[.accessControlAllowOrigin] == nil)
            }
            try await client.execute(
                uri: "/api/v1/segments", method: .options, headers: Self.preflight(from: Self.page)
            ) {
                #expect($0.status == .methodNotAllowed)
                #expect($0.headers[.accessControlAllowOrigin] == nil)
                #expect($0.headers[.accessControlAllowMethods] == nil)
            }
            for uri in ["/health", "/v1/unknown"] {
                try await client.execute(uri: uri, method: .get, headers: [.origin: Self.page]) {
                    #expect($0.headers[.accessControlAllowOrigin] == nil, "\(uri)")
                }
            }
        }
    }

    @Test("a text/plain beacon with the write key in its body is stored, and the key is nowhere in the store")
    func writeKeyInBody() async throws {
        let harness = try await Harness()
        // One call as analytics.js sends it, and a batch whose second message is refused (no event).
        let single = """
            {"type": "track", "event": "Checkout Started", "userId": "ann", "messageId": "b1",
             "properties": {"total": 30}, "writeKey": "\(harness.writeKey)"}
            """
        let batch = """
            {"batch": [
              {"type": "page", "anonymousId": "anon-1", "messageId": "b2", "writeKey": "\(harness.writeKey)"},
              {"type": "track", "userId": "ann", "messageId": "b3", "writeKey": "\(harness.writeKey)"}]}
            """
        try await harness.run { client in
            try await client.execute(
                uri: "/v1/t", method: .post, headers: Self.beacon(), body: ByteBuffer(string: single)
            ) {
                #expect($0.status == .ok)
                #expect($0.json["stored"] == .number(1))
                #expect($0.headers[.accessControlAllowOrigin] == "*")
            }
            try await client.execute(
                uri: "/v1/batch", method: .post, headers: Self.beacon(), body: ByteBuffer(string: batch)
            ) {
                #expect($0.status == .badRequest)
                #expect($0.json["stored"] == .number(1))
                #expect($0.json["failed"]?[0]?["reason"] == .string("missing_event"))
            }
        }
        let statistics = try await harness.store.statistics()
        #expect(statistics.messagesByKind == [.track: 1, .page: 1])
        // A page call is stored as an event named "Page Viewed".
        #expect(statistics.eventNames == ["Checkout Started", "Page Viewed"])
        let quarantined = try await harness.store.quarantined(limit: 10)
        #expect(quarantined.count == 1)
        #expect(
            quarantined.map { String(decoding: $0.raw, as: UTF8.self) } == [
                #"{"messageId":"b3","type":"track","userId":"ann"}"#
            ])
        // Neither the database nor its write-ahead log holds the key (only its digest).
        let database = harness.workspace.databaseURL.path
        for path in [database, database + "-wal"] where FileManager.default.fileExists(atPath: path) {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            #expect(bytes.range(of: Data(harness.writeKey.utf8)) == nil, "\(path)")
            #expect(bytes.range(of: Data("writeKey".utf8)) == nil, "\(path)")
        }
    }

    @Test("a message without an id gets the same derived id whether its key came in the body or a header")
    func derivedIdWithoutKey() async throws {
        let harness = try await Harness()
        let message = #""type": "track", "userId": "ann", "event": "Opened", "timestamp": "2026-06-01T00:00:00Z""#
        try await harness.run { client in
            try await client.execute(
                uri: "/v1/t", method: .post, headers: Self.beacon(),
                body: ByteBuffer(string: #"{\#(message), "writeKey": "\#(harness.writeKey)"}"#)
            ) {
                #expect($0.json["stored"] == .number(1))
            }
            try await client.execute(
                uri: "/v1/t", method: .post, headers: harness.basic, body: ByteBuffer(string: "{\(message)}")
            ) {
                #expect($0.status == .ok)
                #expect($0.json["stored"] == .number(0))
                #expect($0.json["duplicates"] == .number(1))
            }
        }
        #expect(try await harness.store.statistics().messages == 1)
    }

    @Test(
        "a wrong, missing or ambiguous body key is refused with 401, as a header key is",
        arguments: [
            (#"{"userId": "u", "event": "E", "writeKey": "strata_write_00"}"#, "the key is not an active write key"),
            (
                #"{"userId": "u", "event": "E"}"#,
                "send a write key as the HTTP Basic user, as a Bearer token, or in the body's writeKey field (PostHog: api_key)"
            ),
            (
                #"{"userId": "u", "event": "E", "writeKey": 7}"#,
                "send a write key as the HTTP Basic user, as a Bearer token, or in the body's writeKey field (PostHog: api_key)"
            ),
            (
                #"{"batch": [{"userId": "u", "event": "E", "writeKey": "a"}, {"userId": "u", "event": "E", "writeKey": "b"}]}"#,
                "the messages carry 2 different writeKey values; send one"
            ),
        ])
    func refusedBodyKey(body: String, message: String) async throws {
        let harness = try await Harness()
        try await harness.run { client in
            try await client.execute(
                uri: "/v1/t", method: .post, headers: Self.beacon(), body: ByteBuffer(string: body)
            ) {
                #expect($0.status == .unauthorized)
                #expect($0.json["error"]?["code"] == .string("unauthorized"))
                #expect($0.json["error"]?["message"] == .string(message))
            }
        }
        #expect(try await harness.store.statistics().messages == 0)
    }

    @Test(
        "an admin key sent to a tracking route is refused with 401 as an admin key, not a write key",
        arguments: ["header", "writeKey", "api_key"])
    func adminKeyOnIngestion(place: String) async throws {
        let harness = try await Harness()
        let (uri, headers, body): (String, HTTPFields, String) =
            switch place {
            case "header": ("/v1/track", harness.bearer(harness.adminKey), #"{"userId": "u", "event": "E"}"#)
            case "writeKey":
                ("/v1/t", Self.beacon(), #"{"userId": "u", "event": "E", "writeKey": "\#(harness.adminKey)"}"#)
            default:
                ("/batch/", [:], #"{"api_key": "\#(harness.adminKey)", "batch": [{"event": "E", "distinct_id": "u"}]}"#)
            }
        try await harness.run { client in
            try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body)) {
                #expect($0.status == .unauthorized)
                #expect($0.json["error"]?["code"] == .string("unauthorized"))
                #expect(
                    $0.json["error"]?["message"]
                        == .string(
                            "this is an admin key, not a write key: sending events takes a write key (`strata keys create --kind write`)"
                        ))
            }
        }
        #expect(try await harness.store.statistics().messages == 0)
    }

    @Test("with cors_origins, only a listed origin is echoed, and every answer varies by Origin")
    func listedOrigins() async throws {
        // Written as people write them; browsers send lowercase and no default port.
        let harness = try await Harness(settings: "cors_origins: [\"HTTPS://Shop.Example:443\", \"\(Self.page)\"]\n")
        #expect(harness.workspace.config.corsOrigins == ["https://shop.example", Self.page])
        try await harness.run { client in
            for (origin, allowed) in [("https://shop.example", "https://shop.example"), (Self.page, Self.page)] {
                try await client.execute(uri: "/v1/t", method: .options, headers: Self.preflight(from: origin)) {
                    #expect($0.status == .noContent)
                    #expect($0.headers[.accessControlAllowOrigin] == allowed)
                    #expect($0.headers[.accessControlAllowHeaders] == "Content-Type, Authorization")
                    #expect($0.headers[.vary] == "Origin")
                }
            }
            for origin in ["https://evil.example", "http://127.0.0.1:5501", "null"] {
                try await client.execute(uri: "/v1/t", method: .options, headers: Self.preflight(from: origin)) {
                    #expect($0.headers[.accessControlAllowOrigin] == nil, "\(origin)")
                    #expect($0.headers[.accessControlAllowMethods] == nil, "\(origin)")
                    #expect($0.headers[.vary] == "Origin")
                }
            }
            let body = #"{"userId": "u", "event": "E", "writeKey": "\#(harness.writeKey)"}"#
            try await client.execute(
                uri: "/v1/t", method: .post, headers: Self.beacon(from: Self.page), body: ByteBuffer(string: body)
            ) {
                #expect($0.status == .ok)
                #expect($0.headers[.accessControlAllowOrigin] == Self.page)
                #expect($0.headers[.vary] == "Origin")
            }
            try await client.execute(
                uri: "/v1/t", method: .post, headers: Self.beacon(from: "https://evil.example"),
                body: ByteBuffer(string: body)
            ) {
                #expect($0.headers[.accessControlAllowOrigin] == nil)
            }
        }
    }

    @Test("an empty cors_origins lets no origin read the answers")
    func noOrigins() async throws {
        let harness = try await Harness(settings: "cors_origins: []\n")
        try await harness.run { client in
            try await client.execute(uri: "/v1/t", method: .options, headers: Self.preflight(from: Self.page)) {
                #expect($0.headers[.accessControlAllowOrigin] == nil)
                #expect($0.headers[.vary] == "Origin")
            }
        }
    }

    @Test(
        "a cors_origins that is not a list of origins is refused at its place",
        arguments: [
            (
                "cors_origins: https://shop.example\n",
                "strata.yaml:1:15: `cors_origins` must be a list of origins such as [https://shop.example]"
            ),
            (
                "cors_origins:\n  - https://shop.example\n  - https://shop.example/app\n",
                "strata.yaml:3:5: expected an origin such as https://shop.example (scheme, host and optional port, no path), found `https://shop.example/app`"
            ),
            (
                "cors_origins: [\"*\"]\n",
                "strata.yaml:1:16: expected an origin such as https://shop.example (scheme, host and optional port, no path), found `*`"
            ),
            (
                "cors_origins: [ftp://shop.example, http://shop.example:99999]\n",
                "strata.yaml:1:16: expected an origin such as https://shop.example (scheme, host and optional port, no path), found `ftp://shop.example`"
            ),
        ])
    func invalidOrigins(text: String, message: String) {
        let error = #expect(throws: WorkspaceError.self) { try Workspace.parse(text, file: "strata.yaml") }
        #expect(error?.message == message)
    }
}
