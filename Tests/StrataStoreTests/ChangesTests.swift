import Foundation
import GRDB
import StrataCore
import Testing

@testable import StrataStore

/// The change log, the live members and the checkpoint, on a real database file.
struct ChangesTests {
    func change(
        _ segment: String, _ profile: String, entered: Bool, at instant: Int64, _ cause: MembershipChange.Cause
    ) -> MembershipChange {
        MembershipChange(segment: segment, profile: profile, entered: entered, instant: instant, cause: cause)
    }

    func withStore(_ body: (SQLiteStore, String) async throws -> Void) async throws {
        try await withDatabasePath { path in try await body(try SQLiteStore(path: path), path) }
    }

    /// Two commits and an empty one: 6 changes to segments a and b.
    func record(into store: SQLiteStore) async throws {
        try await store.recordChanges(
            [
                change("a", "u1", entered: true, at: 100, .message("m1")),
                change("a", "u2", entered: true, at: 100, .message("m2")),
                change("b", "u1", entered: true, at: 150, .time),
            ], checkpoint: LiveCheckpoint(sequence: 2, instant: 150), recordedAt: 1_000)
        try await store.recordChanges(
            [
                change("a", "u1", entered: false, at: 200, .time),
                change("a", "u3", entered: true, at: 250, .definition),
                change("b", "u1", entered: false, at: 300, .cadence),
            ], checkpoint: LiveCheckpoint(sequence: 5, instant: 300), recordedAt: 2_000)
        try await store.recordChanges([], checkpoint: LiveCheckpoint(sequence: 6, instant: 400), recordedAt: 3_000)
    }

    @Test func recordedChangesMoveTheMembersAndTheCheckpoint() async throws {
        try await withStore { store, path in
            #expect(try await store.liveCheckpoint() == nil)
            #expect(try await store.liveMembers() == [:])
            #expect(try await store.changes(segment: nil, since: nil, after: nil, limit: 10) == [])
            try await record(into: store)
            // a: +u1 +u2 -u1 +u3 leaves u2 and u3; b: +u1 -u1 leaves nobody.
            #expect(try await store.liveMembers() == ["a": ["u2", "u3"]])
            #expect(try await store.liveCheckpoint() == LiveCheckpoint(sequence: 6, instant: 400))
            let all = try await store.changes(segment: nil, since: nil, after: nil, limit: 10)
            #expect(all.map(\.id) == [1, 2, 3, 4, 5, 6])
            #expect(all.map(\.recordedAt) == [1_000, 1_000, 1_000, 2_000, 2_000, 2_000])
            #expect(
                all[0]
                    == RecordedChange(
                        id: 1, change: change("a", "u1", entered: true, at: 100, .message("m1")), recordedAt: 1_000))
            #expect(all.map(\.change.cause) == [.message("m1"), .message("m2"), .time, .time, .definition, .cadence])
            #expect(all.map(\.change.entered) == [true, true, true, false, true, false])
            let reopened = try SQLiteStore(path: path)
            #expect(try await reopened.liveCheckpoint() == LiveCheckpoint(sequence: 6, instant: 400))
            #expect(try await reopened.liveMembers() == ["a": ["u2", "u3"]])
        }
    }

    @Test func changesFilterBySegmentInstantAndCursor() async throws {
        try await withStore { store, _ in
            try await record(into: store)
            func ids(
                _ segment: String?, since: Int64? = nil, after: Int64? = nil, limit: Int = 10
            ) async throws
                -> [Int64]
            {
                try await store.changes(segment: segment, since: since, after: after, limit: limit).map(\.id)
            }
            #expect(try await ids("a") == [1, 2, 4, 5])
            #expect(try await ids("b") == [3, 6])
            #expect(try await ids("c") == [])
            #expect(try await ids(nil, since: 150) == [3, 4, 5, 6])
            #expect(try await ids("a", since: 200) == [4, 5])
            #expect(try await ids("a", since: 251) == [])
            #expect(try await ids(nil, after: 4) == [5, 6])
            // Pages of 2 through segment a, each after the last id of the one before.
            #expect(try await ids("a", limit: 2) == [1, 2])
            #expect(try await ids("a", after: 2, limit: 2) == [4, 5])
            #expect(try await ids("a", after: 5, limit: 2) == [])
            #expect(try await ids("a", since: 100, after: 1, limit: 2) == [2, 4])
        }
    }

    @Test func aStoreFromBeforeTheChangeLogGainsIt() async throws {
        try await withDatabasePath { path in
            do {
                let older = try await makeOlderStore(
                    at: path, upTo: "v3-models",
                    "INSERT INTO messages (message_id, kind, user_id, received_at, content_hash) VALUES ('old', 1, 'u', 0, 0)"
                )
                #expect(try await older.read { try $0.tableExists("membership_changes") } == false)
            }
            let store = try SQLiteStore(path: path)
            var ids: [String] = []
            try store.forEachMessageId { ids.append($0) }
            #expect(ids == ["old"])
            #expect(try await store.liveCheckpoint() == nil)
            try await store.recordChanges(
                [change("a", "u", entered: true, at: 5, .message("old"))],
                checkpoint: LiveCheckpoint(sequence: 1, instant: 5),
                recordedAt: 9)
            #expect(try await store.liveMembers() == ["a": ["u"]])
            #expect(try await store.changes(segment: "a", since: nil, after: nil, limit: 10).map(\.id) == [1])
        }
    }
}
