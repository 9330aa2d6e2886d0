import Foundation
import Hummingbird
import HummingbirdTesting
import StrataCore
import Testing

@Suite("Erasing a profile")
struct ErasureTests {
    /// The management tests' events, and a buyer whose id needs percent-encoding in a path.
    static let extra = """
        {"batch": [
          {"type": "track", "userId": "s p/ace", "event": "Order Completed", "messageId": "e8",
           "timestamp": "2026-06-02T00:00:00Z"}
        ]}
        """

    @Test("DELETE /profiles/{id} erases the profile, its memberships and later messages, across a restart")
    func erase() async throws {
        let harness = try await Harness()
        try harness.write(ManagementTests.buyers, to: "segments/buyers.yaml")
        let admin = harness.bearer(harness.adminKey)
        try await harness.run { client in
            for batch in [ManagementTests.events, Self.extra] {
                try await client.execute(
                    uri: "/v1/batch", method: .post, headers: harness.basic, body: ByteBuffer(string: batch)
                ) { #expect($0.status == .ok) }
            }
            try await client.execute(uri: "/api/v1/segments/buyers/members", method: .get, headers: admin) {
                #expect($0.json["members"] == .array(["s p/ace", "u1", "u2"].map(JSONValue.string)))
            }
            // By the anonymous id u1 browsed as: the whole profile goes, with the enter recorded for u1.
            try await client.execute(uri: "/api/v1/profiles/a1", method: .delete, headers: admin) { response in
                #expect(response.status == .ok)
                #expect(response.json["profile"] == .string("u1"))
                #expect(response.json["ids"] == .array([.string("a1"), .string("u1")]))
                let removed: [String: JSONValue] = [
                    "messages": .number(5), "links": .number(1), "changes": .number(1), "memberships": .number(1),
                    "deliveries": .number(0), "unsubscribes": .number(0), "quarantined": .number(0),
                ]
                #expect(response.json["removed"] == .object(removed))
            }
            try await client.execute(uri: "/api/v1/profiles/s%20p%2Face", method: .delete, headers: admin) {
                #expect($0.status == .ok)
                #expect($0.json["profile"] == .string("s p/ace"))
                #expect($0.json["removed"]?["messages"] == .number(1))
            }
            try await client.execute(uri: "/api/v1/profiles/%zz", method: .delete, headers: admin) {
                #expect($0.status == .badRequest)
                #expect(
                    $0.json["error"]?["message"]
                        == .string("expected a profile id, percent-encoded, in the path, not \"%zz\""))
            }
            try await client.execute(uri: "/api/v1/profiles/u1", method: .delete, headers: admin) {
                #expect($0.status == .notFound)
                #expect($0.json["error"]?["message"] == .string("no profile with id `u1`"))
            }
            try await client.execute(uri: "/api/v1/profiles/u2", method: .get, headers: admin) {
                #expect($0.json["segments"] == .array([.string("buyers")]))
            }
            let later = """
                {"batch": [
                  {"type": "track", "userId": "u1", "event": "Order Completed", "messageId": "l1"},
                  {"type": "track", "userId": "u4", "event": "Order Completed", "messageId": "l2"}
                ]}
                """
            try await client.execute(
                uri: "/v1/batch", method: .post, headers: harness.basic, body: ByteBuffer(string: later)
            ) { response in
                #expect(response.status == .badRequest)
                #expect(response.json["stored"] == .number(1))
                #expect(response.json["error"]?["message"] == .string("1 of 2 messages were refused"))
                let failed = response.json["failed"]?[0]
                #expect(failed?["index"] == .number(0))
                #expect(failed?["reason"] == .string("erased"))
            }
            try await client.execute(uri: "/api/v1/segments/buyers/members", method: .get, headers: admin) {
                #expect($0.json["members"] == .array([.string("u2"), .string("u4")]))
            }
        }
        // A restart resumes without the erased profiles.
        try await harness.run { client in
            try await client.execute(uri: "/api/v1/segments/buyers/members", method: .get, headers: admin) {
                #expect($0.json["members"] == .array([.string("u2"), .string("u4")]))
            }
            for id in ["u1", "a1", "s%20p%2Face"] {
                try await client.execute(uri: "/api/v1/profiles/\(id)", method: .get, headers: admin) {
                    #expect($0.status == .notFound)
                }
            }
        }
    }
}
