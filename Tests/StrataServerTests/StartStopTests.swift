import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import StrataCore
import StrataServer
import StrataStore
import Testing

/// What the server's log says when it starts without keys and when it stops.
@Suite("Start and stop")
struct StartStopTests {
    static let missingWrite = "no active write key: every event sent is refused"
    static let missingAdmin = "no active admin key: every request to the management API is refused"

    @Test("a start without active keys warns of each missing kind with the command that creates one")
    func missingKeys() async throws {
        let harness = try await Harness()
        let recorder = LogRecorder()
        // The write key (id 1) is revoked, the admin key (id 2) stays.
        #expect(try await harness.store.revokeKey(id: 1, at: Harness.now))
        try await harness.run(logger: recorder.logger(level: .info)) { _ in }
        let path = harness.workspace.root.path
        #expect(
            recorder.records.filter { $0.message.hasPrefix("no active") }.map { [$0.message, $0.metadata["create"]] }
                == [[Self.missingWrite, "strata keys create --kind write -w \(path)"]])

        let bare = LogRecorder()
        #expect(try await harness.store.revokeKey(id: 2, at: Harness.now))
        try await harness.run(logger: bare.logger(level: .info)) { _ in }
        #expect(
            bare.records.filter { $0.message.hasPrefix("no active") }.map { [$0.message, $0.metadata["create"]] } == [
                [Self.missingWrite, "strata keys create --kind write -w \(path)"],
                [Self.missingAdmin, "strata keys create --kind admin -w \(path)"],
            ])
    }

    @Test("a start with both kinds of key warns of none")
    func keysPresent() async throws {
        let harness = try await Harness()
        let recorder = LogRecorder()
        try await harness.run(logger: recorder.logger(level: .info)) { _ in }
        #expect(recorder.records.filter { $0.message.hasPrefix("no active") }.isEmpty)
    }

    @Test("a graceful stop logs the messages stored, the checkpoint and snapshot saved, and the deliveries left")
    func stopLog() async throws {
        let harness = try await Harness()
        let recorder = LogRecorder()
        try await harness.run(logger: recorder.logger(level: .info)) { client in
            // The engine has started (its first snapshot is of message 0, the empty store).
            var ready = false
            for _ in 0..<200 where !ready {
                try await client.execute(uri: "/ready", method: .get) { ready = $0.status == .ok }
                if !ready { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(ready)
            let batch =
                #"{"batch": [{"type": "track", "userId": "u", "event": "A"}, {"type": "track", "userId": "u", "event": "B"}]}"#
            try await client.execute(
                uri: "/v1/batch", method: .post, headers: harness.basic, body: ByteBuffer(string: batch)
            ) { #expect($0.json["stored"] == .number(2)) }
            // A read of memberships takes every message stored before it.
            try await client.execute(uri: "/api/v1/segments", method: .get, headers: harness.bearer(harness.adminKey)) {
                #expect($0.status == .ok)
            }
        }
        let stops = recorder.records.filter { $0.message == "stopped" }
        #expect(stops.count == 1)
        #expect(
            stops.first?.metadata == [
                "messages.stored": "2", "checkpoint": "message 2", "snapshot": "written at message 2",
                "deliveries.sending": "0",
            ])
    }
}
