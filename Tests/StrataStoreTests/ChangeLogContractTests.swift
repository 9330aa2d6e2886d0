import Foundation
import StrataCore
import StrataStore
import Testing

/// The change log, the live members, the checkpoint, cursors, batch runs, keys and models, the same
/// for every backend.
struct ChangeLogContractTests {
    func change(
        _ segment: String, _ profile: String, entered: Bool, at instant: Int64, _ cause: MembershipChange.Cause
    ) -> MembershipChange {
        MembershipChange(segment: segment, profile: profile, entered: entered, instant: instant, cause: cause)
    }

    /// Two commits and an empty one: 6 changes to segments a and b.
    func record(into store: any Store) async throws {
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

    @Test(arguments: Backend.allCases)
    func recordedChangesMoveTheMembersAndTheCheckpoint(_ backend: Backend) async throws {
        try await backend.withStore { store in
            #expect(try await store.liveCheckpoint() == nil)
            #expect(try await store.liveMembers() == [:])
            #expect(try await store.lastChangeID() == 0)
            #expect(try await store.changes(segment: nil, since: nil, after: nil, limit: 10) == [])
            try await record(into: store)
            // a: +u1 +u2 -u1 +u3 leaves u2 and u3; b: +u1 -u1 leaves nobody.
            #expect(try await store.liveMembers() == ["a": ["u2", "u3"]])
            #expect(try await store.liveCheckpoint() == LiveCheckpoint(sequence: 6, instant: 400))
            #expect(try await store.lastChangeID() == 6)
            let all = try await store.changes(segment: nil, since: nil, after: nil, limit: 10)
            #expect(all.map(\.id) == [1, 2, 3, 4, 5, 6])
            #expect(all.map(\.recordedAt) == [1_000, 1_000, 1_000, 2_000, 2_000, 2_000])
            #expect(
                all[0]
                    == RecordedChange(
                        id: 1, change: change("a", "u1", entered: true, at: 100, .message("m1")), recordedAt: 1_000))
            #expect(all.map(\.change.cause) == [.message("m1"), .message("m2"), .time, .time, .definition, .cadence])
            #expect(all.map(\.change.entered) == [true, true, true, false, true, false])
            // The next commit's changes go on from id 7.
            let next = try await store.recordChanges(
                [change("b", "u9", entered: true, at: 500, .time)],
                checkpoint: LiveCheckpoint(sequence: 7, instant: 500),
                recordedAt: 4_000)
            #expect(next.map(\.id) == [7])
            #expect(try await store.liveMembers() == ["a": ["u2", "u3"], "b": ["u9"]])
        }
    }

    @Test(arguments: Backend.allCases)
    func changesFilterBySegmentProfileInstantAndCursor(_ backend: Backend) async throws {
        try await backend.withStore { store in
            try await record(into: store)
            func ids(
                _ segment: String?, profile: String? = nil, since: Int64? = nil, after: Int64? = nil, limit: Int = 10
            ) async throws -> [Int64] {
                try await store.changes(segment: segment, profile: profile, since: since, after: after, limit: limit)
                    .map(\.id)
            }
            #expect(try await ids("a") == [1, 2, 4, 5])
            #expect(try await ids("b") == [3, 6])
            #expect(try await ids("c") == [])
            #expect(try await ids(nil, since: 150) == [3, 4, 5, 6])
            #expect(try await ids("a", since: 200) == [4, 5])
            #expect(try await ids("a", since: 251) == [])
            #expect(try await ids(nil, after: 4) == [5, 6])
            #expect(try await ids(nil, after: 6) == [])
            // Pages of 2 through segment a, each after the last id of the one before.
            #expect(try await ids("a", limit: 2) == [1, 2])
            #expect(try await ids("a", after: 2, limit: 2) == [4, 5])
            #expect(try await ids("a", after: 5, limit: 2) == [])
            #expect(try await ids("a", since: 100, after: 1, limit: 2) == [2, 4])
            // u1's changes: entered a (1) and b (3), left a (4) and b (6).
            #expect(try await ids(nil, profile: "u1") == [1, 3, 4, 6])
            #expect(try await ids("b", profile: "u1") == [3, 6])
            #expect(try await ids("a", profile: "u1", after: 1) == [4])
            #expect(try await ids(nil, profile: "nobody") == [])
        }
    }

    @Test(arguments: Backend.allCases)
    func resettingTheLiveMembersRecordsNoChange(_ backend: Backend) async throws {
        try await backend.withStore { store in
            try await record(into: store)
            // Members in any order, repeated or not: "é" (bytes C3 A9) comes after "z" (7A) by bytes.
            try await store.resetLiveMembers(
                ["x": ["p2", "p1"], "a": ["u7"], "empty": [], "y": ["q1", "q1", "q2"], "z": ["é", "z"]],
                checkpoint: LiveCheckpoint(sequence: 9, instant: 900))
            // A segment without members is not listed.
            #expect(
                try await store.liveMembers() == [
                    "x": ["p1", "p2"], "a": ["u7"], "y": ["q1", "q2"], "z": ["z", "é"],
                ])
            #expect(try await store.liveCheckpoint() == LiveCheckpoint(sequence: 9, instant: 900))
            #expect(try await store.lastChangeID() == 6)
            // Changes apply to the new set: u7 leaves a, p3 enters x.
            try await store.recordChanges(
                [change("a", "u7", entered: false, at: 950, .time), change("x", "p3", entered: true, at: 950, .time)],
                checkpoint: LiveCheckpoint(sequence: 10, instant: 950), recordedAt: 5_000)
            #expect(try await store.liveMembers() == ["x": ["p1", "p2", "p3"], "y": ["q1", "q2"], "z": ["z", "é"]])
        }
    }

    @Test(arguments: Backend.allCases)
    func cursorsAreSavedByConsumer(_ backend: Backend) async throws {
        try await backend.withStore { store in
            #expect(try await store.cursor(of: "webhook") == nil)
            try await store.saveCursor(3, of: "webhook")
            try await store.saveCursor(5, of: "export")
            try await store.saveCursor(4, of: "webhook")
            #expect(try await store.cursor(of: "webhook") == 4)
            #expect(try await store.cursor(of: "export") == 5)
            #expect(try await store.cursor(of: "other") == nil)
        }
    }

    @Test(arguments: Backend.allCases)
    func theLatestRunsSizesAreRead(_ backend: Backend) async throws {
        try await backend.withStore { store in
            #expect(try await store.latestRunSizes() == nil)
            for run in 0..<(SQLiteStore.keptRuns + 3) {
                try await store.saveRun(
                    MembershipRun(
                        asOf: Int64(run), computedAt: 1000 + Int64(run), profiles: 10,
                        segments: [
                            .init(name: "b", size: run + 1, seconds: 0.5), .init(name: "a", size: 0, seconds: 0.25),
                        ]))
            }
            // The last run saved had `b` of size keptRuns + 3.
            #expect(try await store.latestRunSizes() == ["a": 0, "b": SQLiteStore.keptRuns + 3])
        }
    }

    @Test(arguments: Backend.allCases)
    func keysGetIncreasingIdsAndARevocationKeepsItsFirstInstant(_ backend: Backend) async throws {
        try await backend.withStore { store in
            #expect(try await store.keys() == [])
            let write = try await store.addKey(kind: .write, digest: [1, 2, 3], prefix: "sk_w", createdAt: 10)
            let admin = try await store.addKey(kind: .admin, digest: [4, 5, 6], prefix: "sk_a", createdAt: 20)
            #expect(
                write == APIKey(id: 1, kind: .write, digest: [1, 2, 3], prefix: "sk_w", createdAt: 10, revokedAt: nil))
            #expect(admin.id == 2)
            #expect(try await store.revokeKey(id: 1, at: 30))
            #expect(try await store.revokeKey(id: 1, at: 40))  // already revoked: still the key, still 30
            #expect(try await store.revokeKey(id: 3, at: 30) == false)
            let keys = try await store.keys()
            #expect(keys.map(\.id) == [1, 2])
            #expect(keys.map(\.revokedAt) == [30, nil])
            #expect(keys.map(\.kind) == [.write, .admin])
            #expect(keys.map(\.digest) == [[1, 2, 3], [4, 5, 6]])
            // A digest is stored once.
            await #expect(throws: (any Error).self) {
                _ = try await store.addKey(kind: .write, digest: [1, 2, 3], prefix: "sk_x", createdAt: 50)
            }
            #expect(try await store.keys().count == 2)
        }
    }

    @Test(arguments: Backend.allCases)
    func aModelReplacesTheOneOfItsName(_ backend: Backend) async throws {
        try await backend.withStore { store in
            #expect(try await store.models() == [])
            try await store.saveModel(StoredModel(name: "churn", trainedAt: 1, document: #"{"v":1}"#))
            try await store.saveModel(StoredModel(name: "buy", trainedAt: 2, document: #"{"v":2}"#))
            try await store.saveModel(StoredModel(name: "churn", trainedAt: 3, document: #"{"v":3}"#))
            #expect(
                try await store.models() == [
                    StoredModel(name: "buy", trainedAt: 2, document: #"{"v":2}"#),
                    StoredModel(name: "churn", trainedAt: 3, document: #"{"v":3}"#),
                ])
        }
    }
}
