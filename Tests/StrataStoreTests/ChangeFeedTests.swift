import Foundation
import StrataCore
import Testing

@testable import StrataStore

/// The change feed: a catch-up from a change id, then the live changes, none twice and none missing;
/// named consumers' cursors kept in the store.
@Suite struct ChangeFeedTests {
    static func change(_ profile: String, _ segment: String, entered: Bool, at instant: Int64) -> MembershipChange {
        MembershipChange(segment: segment, profile: profile, entered: entered, instant: instant, cause: .time)
    }

    @Test func catchesUpThenFollowsLiveChangesWithNoneTwice() async throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try SQLiteStore(path: folder.appendingPathComponent("s.db").path)
        let checkpoint = LiveCheckpoint(sequence: 0, instant: 0)
        let first = try await store.recordChanges(
            [
                Self.change("ann", "a", entered: true, at: 1), Self.change("bob", "b", entered: true, at: 2),
                Self.change("ann", "a", entered: false, at: 3),
            ], checkpoint: checkpoint, recordedAt: 10)
        #expect(first.map(\.id) == [1, 2, 3])
        let feed = ChangeFeed(log: store)
        var iterator = feed.subscribe(after: 1, segment: "a").changes.makeAsyncIterator()
        // The catch-up: segment a after change 1 is change 3 alone.
        #expect(try await iterator.next()?.map(\.id) == [3])
        // Live: change 3 again (already seen), a heartbeat, then change 4 of b and 5 of a.
        let later = try await store.recordChanges(
            [Self.change("cy", "b", entered: true, at: 4), Self.change("cy", "a", entered: true, at: 5)],
            checkpoint: checkpoint, recordedAt: 11)
        feed.publish(first.suffix(1))
        feed.publish([])
        feed.publish(later)
        #expect(try await iterator.next()?.map(\.id) == [])
        #expect(try await iterator.next()?.map(\.id) == [5])
        feed.close()
        #expect(try await iterator.next() == nil)
    }

    @Test func aConsumerStartsAfterTheLastChangeAndResumesFromItsCursor() async throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("s.db").path
        do {
            let store = try SQLiteStore(path: path)
            _ = try await store.recordChanges(
                [Self.change("ann", "a", entered: true, at: 1), Self.change("bob", "a", entered: true, at: 2)],
                checkpoint: LiveCheckpoint(sequence: 0, instant: 0), recordedAt: 10)
            let feed = ChangeFeed(log: store)
            #expect(try await feed.cursor(of: "outbox") == 2)
            _ = try await store.recordChanges(
                [Self.change("cy", "a", entered: true, at: 3)], checkpoint: LiveCheckpoint(sequence: 0, instant: 0),
                recordedAt: 11)
            #expect(try await feed.cursor(of: "outbox") == 2)
            try await feed.acknowledge(3, consumer: "outbox")
        }
        // Another process on the same file.
        let reopened = ChangeFeed(log: try SQLiteStore(path: path))
        #expect(try await reopened.cursor(of: "outbox") == 3)
        #expect(try await reopened.cursor(of: "dashboard") == 3)
    }
}
