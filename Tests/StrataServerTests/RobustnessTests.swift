import Foundation
import Hummingbird
import HummingbirdTesting
import StrataCore
import StrataServer
import StrataStore
import Testing

@Suite("Robustness and authentication")
struct RobustnessTests {
    /// A hostile body, what the answer must be, and the code or reason that must name the problem.
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var body: [UInt8]
        var encoding: String?
        var status: HTTPResponse.Status
        var code: String
        var reason: String?

        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "truncated JSON", body: Array(#"{"batch": [{"type": "track", "userId": "u""#.utf8),
            status: .badRequest,
            code: "invalid_messages", reason: "invalid_json"),
        Case(
            name: "wrong types", body: Array(#"{"type": "track", "userId": ["u"], "event": "E"}"#.utf8),
            status: .badRequest, code: "invalid_messages", reason: "wrong_type"),
        Case(
            name: "10 MB string",
            body: Array(
                (#"{"type": "track", "userId": "u", "event": ""# + String(repeating: "a", count: 10 << 20) + #""}"#)
                    .utf8),
            status: .contentTooLarge, code: "too_large"),
        Case(
            name: "10,000-deep nesting",
            body: Array(
                (#"{"type": "track", "userId": "u", "event": "E", "properties": {"x": "#
                    + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000) + "}}").utf8),
            status: .badRequest, code: "invalid_messages", reason: "invalid_json"),
        Case(
            name: "invalid UTF-8",
            body: Array(#"{"type": "track", "userId": ""#.utf8) + [0xFF, 0xFE] + Array(#"", "event": "E"}"#.utf8),
            status: .badRequest, code: "invalid_messages", reason: "invalid_json"),
        Case(
            name: "a body that claims gzip but is not",
            body: Array(#"{"type": "track", "userId": "u", "event": "E"}"#.utf8), encoding: "gzip",
            status: .badRequest, code: "invalid_encoding"),
    ]

    @Test("hostile bodies get a 4xx with a JSON reason, and the server stays up", arguments: cases)
    func hostileBody(_ hostile: Case) async throws {
        let harness = try await Harness()
        var fields = harness.basic
        fields[.contentEncoding] = hostile.encoding
        let headers = fields
        try await harness.run { client in
            try await client.execute(
                uri: "/v1/track", method: .post, headers: headers, body: ByteBuffer(bytes: hostile.body)
            ) { response in
                #expect(response.status == hostile.status)
                #expect(response.headers[.contentType] == "application/json; charset=utf-8")
                #expect(response.json["error"]?["code"] == .string(hostile.code))
                if let reason = hostile.reason {
                    #expect(response.json["failed"]?[0]?["reason"] == .string(reason))
                }
            }
            try await client.execute(
                uri: "/api/v1/health", method: .get, headers: harness.bearer(harness.adminKey)
            ) { response in
                #expect(response.status == .ok)
                #expect(response.json["status"] == .string("ok"))
            }
        }
    }

    @Test("a body with a bad chunk size is a 400 naming it, not a 500")
    func badChunkSize() async throws {
        let harness = try await Harness()
        try await harness.run { client in
            let port = try #require(client.port)
            let key = try #require(harness.basic[.authorization])
            let request =
                "POST /v1/batch HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: \(key)\r\n"
                + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nabc\r\n0\r\n\r\n"
            let answer = try EventStreamReader(port: port, request: Array(request.utf8))
            #expect(try await answer.wait { $0.received.contains("}}") })
            #expect(answer.received.hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
            #expect(
                answer.received.hasSuffix(
                    #"{"error":{"code":"invalid_http","message":"the request is not valid HTTP: invalid character in chunk size header"}}"#
                        + "\n"))
        }
        #expect(try await harness.store.statistics().messages == 0)
    }

    @Test("missing, wrong and misused keys get 401 with a JSON error")
    func authentication() async throws {
        let harness = try await Harness()
        let track = ByteBuffer(string: #"{"userId": "u", "event": "E"}"#)
        let attempts: [(String, HTTPRequest.Method, HTTPFields)] = [
            ("/v1/track", .post, [:]),
            ("/v1/track", .post, harness.bearer("strata_write_" + String(repeating: "0", count: 64))),
            ("/v1/track", .post, harness.bearer(harness.adminKey)),
            ("/v1/track", .post, [.authorization: "Basic !!!not-base64"]),
            ("/api/v1/segments", .get, [:]),
            ("/api/v1/segments", .get, harness.bearer(harness.writeKey)),
            ("/batch/", .post, [:]),
        ]
        try await harness.run { client in
            for (uri, method, headers) in attempts {
                try await client.execute(uri: uri, method: method, headers: headers, body: track) { response in
                    #expect(response.status == .unauthorized, "\(method) \(uri)")
                    #expect(response.json["error"]?["code"] == .string("unauthorized"), "\(method) \(uri)")
                }
            }
        }
        #expect(try await harness.store.statistics().messages == 0)
    }

    @Test("a method a path does not take is 405 with the methods it takes; a path no route has is 404")
    func methodNotAllowed() async throws {
        let harness = try await Harness()
        let admin = harness.bearer(harness.adminKey)
        try await harness.run { client in
            try await client.execute(uri: "/api/v1/segments", method: .delete, headers: admin) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "GET")
                #expect(response.json["error"]?["code"] == .string("method_not_allowed"))
            }
            try await client.execute(uri: "/api/v1/segments/paying", method: .patch, headers: admin) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "DELETE, GET, PUT")
            }
            try await client.execute(uri: "/v1/batch", method: .trace) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow]?.contains("POST") == true)
            }
            try await client.execute(uri: "/v1/nothing-here", method: .trace) { response in
                #expect(response.status == .notFound)
                #expect(response.headers[.allow] == nil)
            }
        }
    }

    @Test("CONNECT, a tunnel, is answered 405 on any path and the connection closed")
    func connectRefused() async throws {
        let harness = try await Harness()
        try await harness.run { client in
            let port = try #require(client.port)
            for path in ["/v1/batch", "/nowhere"] {
                let reader = try EventStreamReader(
                    port: port, request: Array("CONNECT \(path) HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
                // An answer to CONNECT has no length: the connection closing is its end.
                #expect(try await reader.wait { $0.closed }, "CONNECT \(path)")
                #expect(reader.received.hasPrefix("HTTP/1.1 405 "), "\(reader.received)")
                #expect(reader.received.lowercased().contains("connection: close"))
            }
        }
    }

    @Test("a parameter is checked even where the request does not read it")
    func queryParameters() async throws {
        let harness = try await Harness()
        let admin = harness.bearer(harness.adminKey)
        try await harness.run { client in
            try await client.execute(
                uri: "/api/v1/segments/paying/members?format=csv&limit=many", method: .get, headers: admin
            ) { #expect($0.status == .badRequest) }
            var reconnect = admin
            reconnect[HTTPFields.Element.Name("Last-Event-ID")!] = "-1"
            try await client.execute(uri: "/api/v1/changes/stream?after=0", method: .get, headers: reconnect) {
                #expect($0.status == .badRequest)
            }
            try await client.execute(uri: "/api/v1/reports/retention?source=AAA", method: .get, headers: admin) {
                response in
                #expect(response.status == .badRequest)
                #expect(
                    response.json["error"]?["message"]
                        == .string("source: expected one of auto, log, evaluation, found \"AAA\""))
            }
        }
    }

    @Test("a revoked key stops working within a second")
    func revokedKey() async throws {
        let harness = try await Harness()
        let keys = try await harness.store.keys()
        let write = try #require(keys.first { $0.kind == .write })
        try await harness.run { client in
            let body = ByteBuffer(string: #"{"userId": "u", "event": "E"}"#)
            try await client.execute(uri: "/v1/track", method: .post, headers: harness.basic, body: body) {
                #expect($0.status == .ok)
            }
            #expect(try await harness.store.revokeKey(id: write.id, at: Harness.now))
            try await Task.sleep(for: .milliseconds(1100))
            try await client.execute(uri: "/v1/track", method: .post, headers: harness.basic, body: body) {
                #expect($0.status == .unauthorized)
            }
        }
    }
}
