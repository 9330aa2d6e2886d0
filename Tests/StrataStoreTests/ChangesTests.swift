import Foundation
import GRDB
import StrataCore
import Testing

@testable import StrataStore

/// What only the SQLite change log does: keep its state across reopening, and come to older stores.
struct ChangesTests {
    func change(
        _ segment: String, _ profile: String, entered: Bool, at instant: Int64, _ cause: MembershipChange.Cause
    ) -> MembershipChange {
        MembershipChange(segment: segment, profile: profile, entered: entered, instant: instant, cause: cause)
    }

    func withStore(_ body: (SQLiteStore, String) async throws -> Void) async throws {
        try await withDatabasePath { path in try await body(try SQLiteStore(path: path), path) }
    }

    @Test func theMembersAndTheCheckpointSurviveReopening() async throws {
        try await withStore { store, path in
            try await store.recordChanges(
                [
                    change("a", "u1", entered: true, at: 100, .message("m1")),
                    change("a", "u2", entered: true, at: 100, .message("m2")),
                ], checkpoint: LiveCheckpoint(sequence: 2, instant: 150), recordedAt: 1_000)
            try await store.recordChanges(
                [change("a", "u1", entered: false, at: 200, .time)],
                checkpoint: LiveCheckpoint(sequence: 6, instant: 400),
                recordedAt: 2_000)
            let reopened = try SQLiteStore(path: path)
            #expect(try await reopened.liveCheckpoint() == LiveCheckpoint(sequence: 6, instant: 400))
            #expect(try await reopened.liveMembers() == ["a": ["u2"]])
            #expect(try await reopened.lastChangeID() == 3)
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

    @Test func aStoreWhoseRunsKeptMembersKeepsTheirSizesOnly() async throws {
        try await withDatabasePath { path in
            do {
                let older = try await makeOlderStore(
                    at: path, upTo: "v13-erasures",
                    """
                    INSERT INTO runs (id, as_of, computed_at, profiles) VALUES (1, 10, 11, 3), (2, 20, 21, 3);
                    INSERT INTO run_segments (run_id, segment, size, seconds, members) VALUES
                        (1, 'vip', 2, 0.5, CAST('ada' || char(10) || 'bob' AS BLOB)),
                        (2, 'vip', 3, 0.25, CAST('ada' || char(10) || 'bob' || char(10) || 'cy' AS BLOB)),
                        (2, 'new', 0, 0.125, x'');
                    """)
                #expect(try await older.read { try $0.columns(in: "run_segments").count } == 5)
            }
            let store = try SQLiteStore(path: path)
            #expect(try await store.latestRunSizes() == ["vip": 3, "new": 0])
            let columns = try await DatabaseQueue(path: path).read { db in
                try db.columns(in: "run_segments").map(\.name)
            }
            #expect(columns == ["run_id", "segment", "size", "seconds"])
        }
    }
}
