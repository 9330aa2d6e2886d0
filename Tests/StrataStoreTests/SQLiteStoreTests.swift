import Foundation
import StrataCore
import StrataStore
import Testing

/// What only the SQLite store does: keep what it holds across reopening its file.
struct SQLiteStoreTests {
    static let t0: Int64 = 1_782_777_600_000  // 2026-06-30T00:00:00Z

    func track(_ id: String, user: String, at minutes: Int64) -> Message {
        Message(
            kind: .track, messageId: id, userId: user, event: "Logged In",
            timestamp: Self.t0 + minutes * Instant.minute, receivedAt: Self.t0 + minutes * Instant.minute)
    }

    @Test func storeSurvivesReopening() async throws {
        try await withDatabasePath { path in
            do {
                let store = try SQLiteStore(path: path)
                _ = try await store.append([track("m1", user: "u", at: 1)], quarantine: [])
            }
            let reopened = try SQLiteStore(path: path)
            #expect(try await reopened.append([track("m1", user: "u", at: 1)], quarantine: []).duplicates == 1)
            var ids: [String] = []
            try reopened.forEachMessage(includingContext: true) { _, message in ids.append(message.messageId) }
            #expect(ids == ["m1"])
        }
    }
}
