import Dispatch
import Foundation
import GRDB
import StrataCore
import Testing

@testable import StrataStore

/// WAL checkpoints beside the writer, on a real database file.
struct CheckpointerTests {
    static let t0: Int64 = 1_782_777_600_000  // 2026-06-30T00:00:00Z

    /// Tracks carrying 3,500 bytes of properties each: about a page of the table apiece.
    func bulky(_ numbers: Range<Int>) -> [Message] {
        numbers.map { number in
            Message(
                kind: .track, messageId: "m\(number)", userId: "u\(number % 10)", event: "Ping",
                properties: ["blob": .string(String(repeating: "x", count: 3_500))], timestamp: Self.t0,
                receivedAt: Self.t0)
        }
    }

    func withStore(threshold: Int32, limit: Int32, _ body: (SQLiteStore, String) async throws -> Void) async throws {
        try await withDatabasePath { path in
            try await body(try SQLiteStore(path: path, durability: .full, checkpointAt: threshold, limit: limit), path)
        }
    }

    func fileSize(_ path: String) throws -> Int {
        try #require(FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber).intValue
    }

    @Test func aCommitOverTheThresholdReturnsBeforeItsCheckpointRuns() async throws {
        try await withStore(threshold: 100, limit: 1_000_000) { store, path in
            let before = try fileSize(path)
            // Hold the checkpointer's thread: its checkpoint cannot start before the test lets it.
            let release = DispatchSemaphore(value: 0)
            store.checkpointer.queue.async { release.wait() }
            #expect(try await store.append(bulky(0..<200), quarantine: []).inserted == 200)
            // The commit returned with its pages in the WAL only.
            #expect(try fileSize(path) == before)
            #expect(store.checkpointer.checkpoints == 0)
            release.signal()
            store.checkpointer.drain()
            // One checkpoint copied the whole WAL: the 200 × 3,500 bytes of properties are in the file.
            #expect(store.checkpointer.checkpoints == 1)
            #expect(try fileSize(path) >= before + 700_000)
            #expect(try await store.statistics().messages == 200)
        }
    }

    @Test func aCommitOverTheLimitCheckpointsItselfAndTheWALStartsAgain() async throws {
        try await withStore(threshold: 1_000_000, limit: 100) { store, path in
            let before = try fileSize(path)
            _ = try await store.append(bulky(0..<200), quarantine: [])
            // The writer copied the WAL into the file itself, without the checkpointer's thread.
            #expect(try fileSize(path) >= before + 700_000)
            #expect(store.checkpointer.checkpoints == 0)
            _ = try await store.append(bulky(200..<201), quarantine: [])
            // The next transaction started the WAL from its beginning: it holds that commit's few
            // pages (the message, its index entries and the counters), not 200 more.
            let probe = try DatabaseQueue(path: path)
            let (pages, _) = try probe.inDatabase { try $0.checkpoint(.passive) }
            #expect(pages > 0)
            #expect(pages < 20)
        }
    }
}
