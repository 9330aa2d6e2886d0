import Foundation
import GRDB
import StrataCore
import Testing

@testable import StrataStore

/// Erasing a profile from a SQLite file: every kind of row it had, its merged ids, the refusal of
/// later messages, and nothing of another profile.
struct ErasureTests {
    static let t0: Int64 = 1_782_777_600_000  // 2026-06-30T00:00:00Z

    static func at(_ minutes: Int64) -> Int64 { t0 + minutes * Instant.minute }

    /// Ada (userId `ada`, device `dev-1`, and `ada-old` joined by an alias) and Bob (`bob`, `dev-2`),
    /// both in account `acme`; Ada's messages are sequences 1-5, 8 and 10, Bob's 6, 7 and 9.
    static let history: [Message] = [
        Message(
            kind: .identify, messageId: "m1", userId: "ada", anonymousId: "dev-1", traits: ["plan": .string("pro")],
            timestamp: at(1), receivedAt: at(1)),
        Message(
            kind: .track, messageId: "m2", anonymousId: "dev-1", event: "Viewed", timestamp: at(2), receivedAt: at(2)),
        Message(kind: .track, messageId: "m3", userId: "ada", event: "Ordered", timestamp: at(3), receivedAt: at(3)),
        Message(
            kind: .alias, messageId: "m4", userId: "ada", previousId: "ada-old", timestamp: at(4), receivedAt: at(4)),
        Message(kind: .track, messageId: "m5", userId: "ada-old", event: "Viewed", timestamp: at(5), receivedAt: at(5)),
        Message(
            kind: .track, messageId: "m6", userId: "bob", anonymousId: "dev-2", event: "Viewed", timestamp: at(6),
            receivedAt: at(6)),
        Message(kind: .track, messageId: "m7", userId: "bob", event: "Ordered", timestamp: at(7), receivedAt: at(7)),
        Message(kind: .group, messageId: "m8", userId: "ada", groupId: "acme", timestamp: at(8), receivedAt: at(8)),
        Message(kind: .group, messageId: "m9", userId: "bob", groupId: "acme", timestamp: at(9), receivedAt: at(9)),
        Message(kind: .track, messageId: "m10", userId: "ada", event: "Viewed", timestamp: at(10), receivedAt: at(10)),
    ]

    func change(_ segment: String, _ profile: String, entered: Bool, at minutes: Int64) -> MembershipChange {
        MembershipChange(segment: segment, profile: profile, entered: entered, instant: Self.at(minutes), cause: .time)
    }

    func delivery(change: Int64, step: Int, profile: String) -> Delivery {
        Delivery(
            changeID: change, activation: "welcome", step: step, segment: "vip", profile: profile, entered: true,
            changeInstant: Self.at(11), cause: "time", destination: "crm", channel: "webhook", dueAt: Self.at(11))
    }

    /// The history, its changes, runs, deliveries and unsubscribes, in a store whose index has an epoch
    /// every 4 messages (so that the erasure rewrites index rows too).
    func filledStore(at path: String) async throws -> SQLiteStore {
        let store = try SQLiteStore(path: path, durability: .full, checkpointAt: 1000, limit: 8000, epochLength: 4)
        // Two appends, two blocks: 1-5 and 6-10. Refused messages naming Ada's ids (as a field, a trait
        // value, a CSV field) and others (an id that contains hers, Bob's row) wait in the quarantine.
        let refused = [
            #"{"type":"track","userId":"ada","event":""}"#, #"{"type":"identify","traits":{"email":"ada-old"}}"#,
            #"  ada-old  ,Order Completed,"2026-13-01""#, #"{"type":"track","userId":"adam","event":""}"#, "bob,x",
        ].enumerated().map { index, raw in
            QuarantineEntry(
                source: "q.jsonl", index: index, reason: "invalid", field: nil, detail: "refused", raw: Array(raw.utf8),
                receivedAt: Self.at(1))
        }
        #expect(try await store.append(Array(Self.history[..<5]), quarantine: refused).inserted == 5)
        #expect(try await store.append(Array(Self.history[5...]), quarantine: []).inserted == 5)
        let recorded = try await store.recordChanges(
            [
                change("visitors", "dev-1", entered: true, at: 2), change("visitors", "dev-1", entered: false, at: 3),
                change("vip", "ada", entered: true, at: 3), change("vip", "bob", entered: true, at: 7),
            ], checkpoint: LiveCheckpoint(sequence: 10, instant: Self.at(10)), recordedAt: Self.at(10))
        #expect(recorded.map(\.id) == [1, 2, 3, 4])
        try await store.saveRun(
            MembershipRun(
                asOf: Self.at(10), computedAt: Self.at(10), profiles: 2,
                segments: [
                    .init(name: "vip", size: 2, seconds: 0.1), .init(name: "visitors", size: 1, seconds: 0.1),
                ]))
        let enqueued = try await store.enqueue(
            [
                delivery(change: 3, step: 0, profile: "ada"), delivery(change: 3, step: 1, profile: "ada"),
                delivery(change: 4, step: 0, profile: "bob"),
            ], consumer: "outbox", through: 4)
        #expect(enqueued == 3)
        try await store.unsubscribe(profile: "ada", destination: "email", at: Self.at(10))
        try await store.unsubscribe(profile: "bob", destination: "email", at: Self.at(10))
        return store
    }

    @Test func erasureRemovesEveryKindOfTheProfileAndNothingElse() async throws {
        try await withDatabasePath { path in
            let store = try await filledStore(at: path)
            // Found by a merged id: the device's profile is Ada's.
            let erasure = try #require(try await store.erase(profile: "dev-1", at: Self.at(20)))
            #expect(
                erasure
                    == Erasure(
                        profile: "ada", ids: ["ada", "ada-old", "dev-1"], sequences: [1, 2, 3, 4, 5, 8, 10], links: 2,
                        changes: 3, memberships: 1, deliveries: 2, unsubscribes: 1, quarantined: 3))
            #expect(try await store.quarantined(limit: -1).map(\.index) == [3, 4])

            for id in ["ada", "dev-1", "ada-old"] { #expect(try await store.profile(id: id, asOf: Self.at(30)) == nil) }
            let bob = try #require(try await store.profile(id: "dev-2", asOf: Self.at(30)))
            #expect(bob.key == "bob")
            var left: [Int64: String] = [:]
            try store.forEachMessage(includingContext: true) { sequence, message in left[sequence] = message.messageId }
            #expect(left == [6: "m6", 7: "m7", 9: "m9"])
            #expect(try await store.groupCalls(account: "acme").map(\.message.messageId) == ["m9"])
            let statistics = try await store.statistics()
            #expect(statistics.messages == 3)
            #expect(statistics.messagesByKind == [.track: 2, .group: 1, .identify: 0, .alias: 0])
            #expect(
                try await store.identityGraph(asOf: Int64.max).profileKey(of: .init(id: "dev-2", isUser: false))
                    == "bob")
            #expect(
                try await store.identityGraph(asOf: Int64.max).profileKey(of: .init(id: "dev-1", isUser: false)) == nil)

            #expect(
                try await store.changes(segment: nil, since: nil, after: nil, limit: 10).map(\.change.profile) == [
                    "bob"
                ])
            #expect(try await store.liveMembers() == ["vip": ["bob"]])
            // The erased sequences, in erasure order, for the copies of the log kept elsewhere.
            let erased = try await store.erasedSequences(after: 0, limit: 100)
            #expect(erased.map(\.sequence) == [1, 2, 3, 4, 5, 8, 10])
            #expect(erased.map(\.mark) == Array(1...7))
            #expect(try await store.erasedSequences(after: 3, limit: 2).map(\.sequence) == [4, 5])
            #expect(try await store.erasedSequences(after: 7, limit: 100).isEmpty)
            // A batch run keeps sizes only: no id to erase there.
            #expect(try await store.latestRunSizes() == ["vip": 2, "visitors": 1])
            #expect(try await store.deliveries(DeliveryQuery()).map(\.profile) == ["bob"])
            #expect(try await store.unsubscribed(profile: "ada", destination: "email") == nil)
            #expect(try await store.unsubscribed(profile: "bob", destination: "email") == Self.at(10))

            // The index keeps Bob's sequences and the account's call of Bob only.
            let postings = try await DatabaseQueue(path: path).read { db in
                try Row.fetchAll(db, sql: "SELECT epoch, seqs FROM message_postings").map {
                    try BlockLog.postings($0[1], epoch: $0[0])
                }
            }
            #expect(postings.sorted { $0.lexicographicallyPrecedes($1) } == [[6, 7, 9], [9]])
            // Only digests of the ids are kept.
            let digests = try await DatabaseQueue(path: path).read { db in
                try Data.fetchAll(db, sql: "SELECT digest FROM erasures").map { Array($0) }
            }
            #expect(Set(digests) == Set(["ada", "ada-old", "dev-1"].map(Erasure.digest(of:))))
            #expect(digests.allSatisfy { $0.count == 32 })
            #expect(try await store.erasedCount() == 3)
        }
    }

    @Test func laterMessagesNamingAnErasedIdAreRefused() async throws {
        try await withDatabasePath { path in
            do {
                let store = try await filledStore(at: path)
                #expect(try await store.erase(profile: "ada", at: Self.at(20))?.messages == 7)
                let later = [
                    Message(kind: .track, messageId: "n1", userId: "ada", event: "Viewed", receivedAt: Self.at(21)),
                    Message(
                        kind: .track, messageId: "n2", anonymousId: "dev-1", event: "Viewed", receivedAt: Self.at(21)),
                    Message(
                        kind: .alias, messageId: "n3", userId: "zed", previousId: "ada-old", receivedAt: Self.at(21)),
                    Message(kind: .track, messageId: "n4", userId: "carl", event: "Viewed", receivedAt: Self.at(21)),
                    Message(
                        kind: .track, messageId: "n5", userId: "bob", anonymousId: "dev-1", event: "Viewed",
                        receivedAt: Self.at(21)),
                    // The id of an erased message is free again, for a profile that was not erased.
                    Message(kind: .track, messageId: "m3", userId: "carl", event: "Ordered", receivedAt: Self.at(21)),
                ]
                let result = try await store.append(later, quarantine: [])
                #expect(result.fates == [.erased, .erased, .erased, .stored, .erased, .stored])
                #expect((result.inserted, result.erased, result.duplicates, result.quarantined) == (2, 4, 0, 0))
                // The erased last message's sequence is not given again.
                #expect(try store.lastSequence() == 12)
                // Refused, not quarantined: the quarantine holds only the two entries the erasure left.
                #expect(try await store.statistics().quarantined == 2)
                #expect(try await store.erase(profile: "ada", at: Self.at(22)) == nil)
            }
            // Another process (here, the store opened again) refuses them too.
            let reopened = try SQLiteStore(path: path)
            let again = try await reopened.append(
                [Message(kind: .identify, messageId: "n6", userId: "dev-1", receivedAt: Self.at(23))], quarantine: [])
            #expect(again.fates == [.erased])
            let carl = try await reopened.profileMessages(id: "carl", asOf: Self.at(30))
            #expect(carl?.messages.map(\.message.messageId) == ["n4", "m3"])
            #expect(carl?.messages.map(\.sequence) == [11, 12])
        }
    }

    @Test func anUnknownIdErasesNothing() async throws {
        try await withDatabasePath { path in
            let store = try await filledStore(at: path)
            #expect(try await store.erase(profile: "nobody", at: Self.at(20)) == nil)
            #expect(try await store.statistics().messages == 10)
            #expect(try await store.erasedCount() == 0)
        }
    }
}
