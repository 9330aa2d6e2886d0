import Foundation
import GRDB
import StrataCore
import Testing

@testable import StrataStore

/// The message log: blocks, the id table, the index's epochs, and the move of older stores to blocks.
struct MessageLogTests {
    static let t0: Int64 = 1_782_777_600_000  // 2026-06-30T00:00:00Z

    /// A message with every optional field, and one with as few as a message can have.
    static let full = Message(
        kind: .track, messageId: "m-full", userId: "ann", anonymousId: "anon-1", event: "Order Completed",
        properties: ["revenue": .number(42.5), "sku": .string("A-1")], groupId: "acme", previousId: "old",
        timestamp: t0 + 5, sentAt: t0 + 6, receivedAt: t0 + 7, context: ["ip": .string("10.0.0.1")],
        integrations: ["All": .bool(true)])
    static let bare = Message(kind: .page, messageId: "m-bare", anonymousId: "anon-2", receivedAt: t0 + 9)

    func block(first: Int64) -> MessageBlock.Builder {
        var block = MessageBlock.Builder(first: first)
        block.append(StoredMessage(Self.full), eventId: 7, idHash: 1)
        block.append(StoredMessage(Self.bare), eventId: nil, idHash: 2)
        return block
    }

    @Test func recordsReadBackEveryField() throws {
        let block = block(first: 41)
        #expect(block.ids.count == 16)
        let data = block.data()
        try data.withUnsafeBytes { bytes in
            let reader = try MessageBlock.Reader(bytes, first: 41, count: 2)
            let names: [Int64: String] = [7: "Order Completed"]
            let full = try reader.record(0)
            #expect(try full.message(names: names, includingContext: true, payloadKeys: nil) == Self.full)
            var withoutContext = Self.full
            withoutContext.context = nil
            withoutContext.integrations = nil
            withoutContext.properties = ["revenue": .number(42.5)]
            #expect(
                try full.message(names: names, includingContext: false, payloadKeys: ["revenue"]) == withoutContext)
            withoutContext.properties = [:]
            #expect(try full.message(names: names, includingContext: false, payloadKeys: []) == withoutContext)
            #expect(full.field(full.groupId, equals: "acme"))
            #expect(!full.field(full.groupId, equals: "acm"))
            #expect(try reader.record(1).message(names: names, includingContext: true, payloadKeys: nil) == Self.bare)
            #expect(reader.positions(after: 41) == 1..<2)
            #expect(reader.positions(after: 40) == 0..<2)
            #expect(reader.positions(after: 99) == 2..<2)
        }
        #expect(try block.identity(at: 1).messageId == "m-bare")
        #expect(try block.identity(at: 0).contentHash == StoredMessage(Self.full).contentHash)
    }

    @Test func aDamagedBlockIsAnErrorNotACrash() throws {
        let data = block(first: 41).data()
        // Cut short anywhere, the last record cannot be read; nothing traps.
        for length in 0..<data.count {
            let error = #expect(throws: DatabaseError.self) {
                try Array(data[0..<length]).withUnsafeBytes { bytes in
                    _ = try MessageBlock.Reader(bytes, first: 41, count: 2).record(1)
                }
            }
            #expect(error?.message == "the message block at sequence 41 is damaged")
        }
        // An offset past the end, an unknown kind, and a record asked for beyond the count.
        var wrong = data
        wrong[4] = 0xff
        #expect(throws: DatabaseError.self) {
            try wrong.withUnsafeBytes { _ = try MessageBlock.Reader($0, first: 41, count: 2).record(1) }
        }
        wrong = data
        wrong[8] = 200
        #expect(throws: DatabaseError.self) {
            try wrong.withUnsafeBytes { _ = try MessageBlock.Reader($0, first: 41, count: 2).record(0) }
        }
        #expect(throws: DatabaseError.self) {
            try data.withUnsafeBytes { _ = try MessageBlock.Reader($0, first: 41, count: 2).record(2) }
        }
        for count in [5_000, Int.max, -1] {
            #expect(throws: DatabaseError.self) {
                try data.withUnsafeBytes { _ = try MessageBlock.Reader($0, first: 41, count: count) }
            }
        }
    }

    @Test func damagedRowsAreErrorsThatNameThem() async throws {
        try await withStore(epochLength: 2) { store, path in
            _ = try await store.append([track("m1", user: "u"), track("m2", user: "u")], quarantine: [])
            let queue = try DatabaseQueue(path: path)
            // An epoch whose last sequence gap never ends, and a block claiming more messages than it holds.
            try await queue.write { db in
                try db.execute(sql: "UPDATE message_postings SET seqs = x'0180'")
                try db.execute(sql: "UPDATE message_blocks SET count = 9223372036854775807")
            }
            let lookup = await #expect(throws: DatabaseError.self) {
                _ = try await store.messages(of: [.init(id: "u", isUser: true)])
            }
            #expect(lookup?.message == "the index epoch at sequence 1 is damaged")
            let reader = try SQLiteStore(path: path)
            let append = await #expect(throws: DatabaseError.self) {
                _ = try await reader.append([track("m3", user: "u")], quarantine: [])
            }
            #expect(append?.message == "the message block at sequence 1 is damaged")
            let scan = #expect(throws: DatabaseError.self) { try reader.forEachMessageId { _ in } }
            #expect(scan?.message == "the message block at sequence 1 is damaged")
        }
    }

    @Test func theIdTableKeepsEveryHashThroughItsGrowth() {
        var table = MessageIdTable()
        for sequence in Int64(1)...10_000 { table.insert(Hash.mix(UInt64(sequence)), sequence: sequence) }
        #expect(table.count == 10_000)
        #expect(
            (Int64(1)...10_000).allSatisfy { (sequence: Int64) in
                table.sequences(of: Hash.mix(UInt64(sequence))) == [sequence]
            })
        #expect(table.sequences(of: Hash.mix(10_001)).isEmpty)
        // A hash met again keeps every sequence, oldest first; 0 is kept as 1.
        table.insert(Hash.mix(5), sequence: 20_000)
        table.insert(Hash.mix(5), sequence: 20_001)
        #expect(table.sequences(of: Hash.mix(5)) == [5, 20_000, 20_001])
        table.insert(0, sequence: 30_000)
        table.insert(1, sequence: 30_001)
        #expect(table.sequences(of: 0) == [30_000, 30_001])
        #expect(table.count == 10_001)
    }

    func withStore(
        epochLength: Int = BlockLog.epochLength, epochRowsPerCommit: Int = 4_096,
        idHash: @escaping @Sendable (String) -> UInt64 = BlockLog.idHash,
        _ body: (SQLiteStore, String) async throws -> Void
    ) async throws {
        try await withDatabasePath { path in
            let store = try SQLiteStore(
                path: path, durability: .full, checkpointAt: 1000, limit: 8000, epochLength: epochLength,
                epochRowsPerCommit: epochRowsPerCommit, idHash: idHash)
            try await body(store, path)
        }
    }

    func epochs(_ path: String) async throws -> [[Int64]] {
        try await DatabaseQueue(path: path).read { db in
            try Row.fetchAll(db, sql: "SELECT first_seq, last_seq FROM message_epochs ORDER BY first_seq").map {
                [$0[0], $0[1]] as [Int64]
            }
        }
    }

    @Test func aRunIsWrittenOverSeveralCommits() async throws {
        try await withStore(epochLength: 4, epochRowsPerCommit: 1) { store, path in
            // One message a commit, users u1, u2, u0, u1, ...: a commit writes 2 rows of a sealed epoch.
            for index in 1...8 {
                _ = try await store.append([track("m\(index)", user: "u\(index % 3)")], quarantine: [])
                for user in 0..<3 {
                    let found = try await store.messages(of: [.init(id: "u\(user)", isUser: true)]).map(\.sequence)
                    #expect(found == (1...Int64(index)).filter { $0 % 3 == Int64(user) }, "u\(user) after m\(index)")
                }
            }
            // Sealed at m4 (3 keys), written by m4 and m5; sealed again at m8, 2 of its 3 rows written.
            #expect(try await epochs(path) == [[1, 4]])
            // Another writer writes the part-written epoch again, whole, over the rows there.
            let other = try SQLiteStore(path: path, durability: .full, checkpointAt: 1000, limit: 8000, epochLength: 4)
            _ = try await other.append([track("m9", user: "u0")], quarantine: [])
            #expect(try await epochs(path) == [[1, 4], [5, 9]])
            #expect(try await other.messages(of: [.init(id: "u0", isUser: true)]).map(\.sequence) == [3, 6, 9])
            #expect(try await store.messages(of: [.init(id: "u2", isUser: true)]).map(\.sequence) == [2, 5, 8])
        }
    }

    @Test func indexAllMakesTheNewestMessagesAnEpochOfTheirOwn() async throws {
        try await withStore(epochLength: 4, epochRowsPerCommit: 1) { store, path in
            // One message a commit, users u1, u2, u0, u1: sealed at m4 (3 keys), 2 of its 3 rows written.
            for index in 1...4 {
                _ = try await store.append([track("m\(index)", user: "u\(index % 3)")], quarantine: [])
            }
            #expect(try await epochs(path) == [])
            try await store.indexAll()
            #expect(try await epochs(path) == [[1, 4]])
            // m5 and m6: too few for an epoch until indexAll makes them one.
            _ = try await store.append([track("m5", user: "u2"), track("m6", user: "w")], quarantine: [])
            #expect(try await epochs(path) == [[1, 4]])
            try await store.indexAll()
            #expect(try await epochs(path) == [[1, 4], [5, 6]])
            try await store.indexAll()
            #expect(try await epochs(path) == [[1, 4], [5, 6]])
            // Another process finds each profile's messages across the epochs, and its appends go on after.
            let other = try SQLiteStore(path: path, durability: .full, checkpointAt: 1000, limit: 8000, epochLength: 4)
            #expect(try await other.messages(of: [.init(id: "u2", isUser: true)]).map(\.sequence) == [2, 5])
            #expect(try await other.messages(of: [.init(id: "w", isUser: true)]).map(\.sequence) == [6])
            _ = try await other.append((7...10).map { track("m\($0)", user: "u0") }, quarantine: [])
            #expect(try await epochs(path) == [[1, 4], [5, 6], [7, 10]])
            #expect(try await other.messages(of: [.init(id: "u0", isUser: true)]).map(\.sequence) == [3, 7, 8, 9, 10])
        }
    }

    /// The messages of the test of ``SQLiteStore/sequences(of:through:)``: users, anonymous ids with
    /// and without a user, and group calls (sequences 1 to 9).
    func clusterMessages() -> [Message] {
        func group(_ id: String, user: String, account: String) -> Message {
            Message(
                kind: .group, messageId: id, userId: user, groupId: account, timestamp: Self.t0, receivedAt: Self.t0)
        }
        return [
            track("m1", user: "u1", anonymous: "a1"), track("m2", anonymous: "a2"),
            group("m3", user: "u1", account: "g1"), track("m4", user: "u2"), track("m5", anonymous: "a1"),
            track("m6", user: "u1"), group("m7", user: "u3", account: "g1"), track("m8", anonymous: "a2"),
            track("m9", user: "u2"),
        ]
    }

    @Test func groupsOfIdsFindTheirSequencesAcrossEpochsAndTheTail() async throws {
        let groups: [[IndexedID]] = [
            [.user("u1"), .anonymous("a1")], [.anonymous("a2")], [.user("u2"), .account("g1")], [.user("nobody")],
            [.user("u1")],
        ]
        // u1's messages 1, 3, 6 and a1's without a user 5; a2's 2 and 8; u2's 4 and 9 with g1's group
        // calls 3 and 7 (the call of u3 too). A group sharing an id with another finds the same.
        let all: [[Int64]] = [[1, 3, 5, 6], [2, 8], [3, 4, 7, 9], [], [1, 3, 6]]
        let throughSix: [[Int64]] = [[1, 3, 5, 6], [2], [3, 4], [], [1, 3, 6]]
        try await withStore(epochLength: 4, epochRowsPerCommit: 1) { store, path in
            for message in clusterMessages() { _ = try await store.append([message], quarantine: []) }
            // Part of the log in epochs, the rest read from its blocks.
            #expect(try await epochs(path).count == 1)
            #expect(try store.sequences(of: groups, through: 9) == all)
            #expect(try store.sequences(of: groups, through: 6) == throughSix)
            try await store.indexAll()
            #expect(try await epochs(path) == [[1, 4], [5, 8], [9, 9]])
            #expect(try store.sequences(of: groups, through: 9) == all)
            #expect(try store.sequences(of: groups, through: 6) == throughSix)
        }
        let memory = MemoryStore()
        _ = try await memory.append(clusterMessages(), quarantine: [])
        #expect(try memory.sequences(of: groups, through: 9) == all)
        #expect(try memory.sequences(of: groups, through: 6) == throughSix)
    }

    @Test func recentKeysCoverTheMessagesAfterTheLastEpoch() async throws {
        try await withStore(epochLength: 4) { store, path in
            // m1-m5 (users u, v, u, v, u) fill the epoch 1-5; m6 (v) and m7 (u) come after it.
            _ = try await store.append((1...5).map { track("m\($0)", user: $0 % 2 == 1 ? "u" : "v") }, quarantine: [])
            _ = try await store.append([track("m6", user: "v"), track("m7", user: "u")], quarantine: [])
            #expect(try await epochs(path) == [[1, 5]])
            let log = try await DatabaseQueue(path: path).read { db in try BlockLog.load(db) }
            let (u, v) = (BlockLog.userKey("u"), BlockLog.userKey("v"))
            let recent = RecentKeys()
            // Nobody asked yet: the writer keeps nothing.
            recent.append([], after: 7, log: log)
            #expect(recent.sequences(of: [u], after: 5, through: 7) == nil)
            // Asked once, the writer's next append builds it from the log.
            recent.append([], after: 7, log: log)
            #expect(recent.sequences(of: [u], after: 5, through: 7) == [7])
            #expect(recent.sequences(of: [u, v], after: 5, through: 6) == [6])
            #expect(recent.sequences(of: [BlockLog.userKey("w")], after: 5, through: 7) == [])
            // A snapshot reaching past what it covers, or starting before it, reads the blocks instead.
            #expect(recent.sequences(of: [u], after: 5, through: 8) == nil)
            #expect(recent.sequences(of: [u], after: 4, through: 7) == nil)
        }
    }

    @Test func aReaderLeavesTheKeysItReadForTheLookupsAfter() async throws {
        try await withStore(epochLength: 4) { store, path in
            // m1-m5 (users u, v, u, v, u) fill the epoch 1-5; m6 (v) and m7 (u) come after it.
            _ = try await store.append((1...5).map { track("m\($0)", user: $0 % 2 == 1 ? "u" : "v") }, quarantine: [])
            _ = try await store.append([track("m6", user: "v"), track("m7", user: "u")], quarantine: [])
            let (u, v) = (BlockLog.userKey("u"), BlockLog.userKey("v"))
            // A store that never writes (another process, a command) reads m6 and m7 from their blocks once.
            let reader = try SQLiteStore(path: path)
            #expect(reader.recentKeys.sequences(of: [u], after: 5, through: 7) == nil)
            #expect(try await reader.messages(of: [.init(id: "u", isUser: true)]).map(\.sequence) == [1, 3, 5, 7])
            #expect(reader.recentKeys.sequences(of: [u], after: 5, through: 7) == [7])
            #expect(try await reader.messages(of: [.init(id: "v", isUser: true)]).map(\.sequence) == [2, 4, 6])
            // The writer adds m8: the reader's next snapshot reaches past what it holds, so it reads again.
            _ = try await store.append([track("m8", user: "v")], quarantine: [])
            #expect(try await reader.messages(of: [.init(id: "v", isUser: true)]).map(\.sequence) == [2, 4, 6, 8])
            #expect(reader.recentKeys.sequences(of: [v], after: 5, through: 8)?.sorted() == [6, 8])
            // What an older snapshot read, or one before an epoch the index starts after, replaces nothing.
            reader.recentKeys.remember([(v, 6)], after: 5, through: 6)
            reader.recentKeys.remember([(u, 3), (u, 5)], after: 2, through: 9)
            #expect(reader.recentKeys.sequences(of: [v], after: 5, through: 8)?.sorted() == [6, 8])
            #expect(reader.recentKeys.sequences(of: [u], after: 2, through: 9) == nil)
        }
    }

    func track(_ id: String, user: String? = nil, anonymous: String? = nil, at offset: Int64 = 0) -> Message {
        Message(
            kind: .track, messageId: id, userId: user, anonymousId: anonymous, event: "Seen",
            properties: ["n": .number(Double(offset))], timestamp: Self.t0 + offset, receivedAt: Self.t0)
    }

    func ids(_ store: SQLiteStore) throws -> [String] {
        var ids: [String] = []
        try store.forEachMessageId { ids.append($0) }
        return ids
    }

    @Test func idsSharingAHashAreEachStoredOnce() async throws {
        // Every id has the same hash, so every check compares the ids themselves.
        try await withStore(idHash: { _ in 42 }) { store, _ in
            let first = try await store.append(
                [track("a", user: "u"), track("b", user: "u"), track("a", user: "u", at: 9)], quarantine: [])
            #expect(first.duplicateFlags == [false, false, true])
            #expect(first.conflicting == 1)
            let second = try await store.append([track("c", user: "u"), track("b", user: "u")], quarantine: [])
            #expect(second.duplicateFlags == [false, true])
            #expect(second.conflicting == 0)
            #expect(try ids(store) == ["a", "b", "c"])
        }
    }

    @Test func lookupsFindMessagesInRunsAndAfterThem() async throws {
        try await withStore(epochLength: 4) { store, path in
            // 11 messages in three commits: the index gets epochs for 1-5 and 6-10 (an epoch is written at the
            // end of the commit that fills it); 11 is found by reading its block.
            var messages = (1...10).map { track("m\($0)", user: $0 % 2 == 0 ? "even" : "odd", at: Int64($0)) }
            messages[2] = track("m3", anonymous: "visitor", at: 3)
            _ = try await store.append(Array(messages[0..<5]), quarantine: [])
            _ = try await store.append(Array(messages[5..<10]), quarantine: [])
            let group = Message(
                kind: .group, messageId: "g1", userId: "odd", groupId: "acme", timestamp: Self.t0 + 11,
                receivedAt: Self.t0)
            _ = try await store.append([group], quarantine: [])
            #expect(try await epochs(path) == [[1, 5], [6, 10]])
            let odd = try await store.messages(of: [.init(id: "odd", isUser: true)]).map(\.message.messageId)
            #expect(odd == ["m1", "m5", "m7", "m9", "g1"])
            let visitor = try await store.messages(of: [
                .init(id: "visitor", isUser: false), .init(id: "even", isUser: true),
            ])
            #expect(visitor.map(\.sequence) == [2, 3, 4, 6, 8, 10])
            #expect(visitor[1].message.properties == ["n": .number(3)])
            #expect(try await store.groupCalls(account: "acme").map(\.message.messageId) == ["g1"])
            #expect(try await store.groupCalls(account: "other").isEmpty)
            #expect(try await store.busiestUsers(limit: 2).map(\.userId) == ["even", "odd"])  // 5 each
        }
    }

    @Test func aSecondWriterOnTheSameFileIsFollowed() async throws {
        try await withStore(epochLength: 2) { first, path in
            _ = try await first.append([track("m1", user: "u"), track("m2", user: "v")], quarantine: [])
            // A lookup makes the first store keep its recent keys from its next append on.
            #expect(try await first.messages(of: [.init(id: "u", isUser: true)]).map(\.sequence) == [1])
            let second = try SQLiteStore(path: path)
            try await second.prepareForAppends()
            // Written after the second store learnt the ids: it learns m3 from the file when it appends.
            _ = try await first.append([track("m3", user: "u")], quarantine: [])
            #expect(try await first.messages(of: [.init(id: "u", isUser: true)]).map(\.sequence) == [1, 3])
            let resent = try await second.append([track("m3", user: "u"), track("m4", user: "v")], quarantine: [])
            #expect(resent.duplicateFlags == [true, false])
            // The first store's recent keys end at m3: it finds m4, written by the other, in the blocks.
            #expect(try await first.messages(of: [.init(id: "v", isUser: true)]).map(\.sequence) == [2, 4])
            // And the first store learns m4 before it writes again.
            let again = try await first.append([track("m4", user: "v"), track("m5", user: "u")], quarantine: [])
            #expect(again.duplicateFlags == [true, false])
            #expect(try ids(first) == ["m1", "m2", "m3", "m4", "m5"])
            #expect(try await first.messages(of: [.init(id: "u", isUser: true)]).map(\.sequence) == [1, 3, 5])
            #expect(try await second.messages(of: [.init(id: "v", isUser: true)]).map(\.sequence) == [2, 4])
            #expect(try first.lastSequence() == 5)
        }
    }

    @Test func aFailedAppendLeavesNoIdBehind() async throws {
        try await withStore { store, path in
            _ = try await store.append([track("m1", user: "u")], quarantine: [])
            let queue = try DatabaseQueue(path: path)
            // A foreign key checked at commit: the transaction fails after the writer has taken m2.
            try await queue.write { db in
                try db.execute(
                    sql: """
                        CREATE TABLE parent (id INTEGER PRIMARY KEY);
                        CREATE TABLE child (parent INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED);
                        CREATE TRIGGER refuse AFTER INSERT ON message_blocks BEGIN INSERT INTO child VALUES (1); END;
                        """)
            }
            await #expect(throws: DatabaseError.self) {
                _ = try await store.append([track("m2", user: "u")], quarantine: [])
            }
            try await queue.write { db in try db.execute(sql: "DROP TRIGGER refuse") }
            let retried = try await store.append([track("m2", user: "u")], quarantine: [])
            #expect(retried.inserted == 1)
            #expect(try ids(store) == ["m1", "m2"])
            #expect(try store.lastSequence() == 2)
        }
    }

    @Test func aStoreOfRowsMovesToBlocksWithItsSequences() async throws {
        try await withDatabasePath { path in
            // Kinds: 0 track, 4 group. Names 1 and 2 are used; 3 was interned by a refused duplicate.
            // Sequence 3 is missing.
            try await makeOlderStore(
                at: path, upTo: "v4-changes",
                """
                INSERT INTO event_names (id, name) VALUES (1, 'Signed Up'), (2, 'Seen'), (3, 'Other');
                INSERT INTO messages (seq, message_id, kind, user_id, anonymous_id, event_id, timestamp,
                    received_at, sent_at, group_id, previous_id, payload, extra, content_hash) VALUES
                (1, 'o1', 0, NULL, 'anon', 1, 100, 200, 150, NULL, NULL, '{"plan":"pro"}',
                    '{"context":{"ip":"1.2.3.4"}}', 11),
                (2, 'o2', 0, 'ann', 'anon', 2, 300, 400, NULL, NULL, NULL, NULL, NULL, 12),
                (4, 'o4', 4, 'ann', NULL, NULL, 500, 600, NULL, 'acme', NULL, '{"seats":3}', NULL, 13);
                """)
            let store = try SQLiteStore(path: path)
            var read: [(Int64, Message)] = []
            try store.forEachMessage(includingContext: true) { read.append(($0, $1)) }
            #expect(read.map(\.0) == [1, 2, 4])
            #expect(
                read[0].1
                    == Message(
                        kind: .track, messageId: "o1", anonymousId: "anon", event: "Signed Up",
                        properties: ["plan": .string("pro")], timestamp: 100, sentAt: 150, receivedAt: 200,
                        context: ["ip": .string("1.2.3.4")]))
            #expect(
                read[1].1
                    == Message(
                        kind: .track, messageId: "o2", userId: "ann", anonymousId: "anon", event: "Seen",
                        timestamp: 300,
                        receivedAt: 400))
            #expect(
                read[2].1
                    == Message(
                        kind: .group, messageId: "o4", userId: "ann", traits: ["seats": .number(3)], groupId: "acme",
                        timestamp: 500, receivedAt: 600))
            #expect(try await store.statistics().eventNames == ["Seen", "Signed Up"])
            // The trait names of what was stored before the catalogue existed: the group call's, not the
            // track's properties.
            var traits = TraitNames()
            traits.accounts = ["seats"]
            #expect(try await store.statistics().traitNames == traits)
            #expect(try await store.messages(of: [.init(id: "anon", isUser: false)]).map(\.sequence) == [1])
            #expect(try await store.groupCalls(account: "acme").map(\.sequence) == [4])
            // The old ids are known to the writer, and new messages follow the last sequence.
            var resent = read[1].1
            resent.sentAt = 999
            let appended = try await store.append([resent, track("n1", user: "ann")], quarantine: [])
            #expect(appended.duplicateFlags == [true, false])
            #expect(appended.conflicting == 1)
            #expect(try store.lastSequence() == 5)
        }
    }

    @Test func aMovedStoreIsIndexedWhenItOpens() async throws {
        try await withDatabasePath { path in
            try await makeOlderStore(
                at: path, upTo: "v4-changes",
                """
                INSERT INTO event_names (id, name) VALUES (1, 'Seen');
                INSERT INTO messages (seq, message_id, kind, user_id, anonymous_id, event_id, timestamp,
                    received_at, sent_at, group_id, previous_id, payload, extra, content_hash) VALUES
                (1, 'o1', 0, NULL, 'anon', 1, 100, 200, NULL, NULL, NULL, NULL, NULL, 11),
                (2, 'o2', 0, 'ann', 'anon', 1, 300, 400, NULL, NULL, NULL, NULL, NULL, 12),
                (4, 'o4', 0, 'ann', NULL, 1, 500, 600, NULL, NULL, NULL, NULL, NULL, 13);
                """)
            // Three moved messages reach an epoch of 2, so the open writes one epoch over all of them.
            let store = try SQLiteStore(
                path: path, durability: .full, checkpointAt: 1000, limit: 8000, epochLength: 2)
            #expect(try await epochs(path) == [[1, 4]])
            #expect(try await store.messages(of: [.init(id: "ann", isUser: true)]).map(\.sequence) == [2, 4])
            #expect(try await store.messages(of: [.init(id: "anon", isUser: false)]).map(\.sequence) == [1])
            // Opening again writes nothing more.
            _ = try SQLiteStore(path: path, durability: .full, checkpointAt: 1000, limit: 8000, epochLength: 2)
            #expect(try await epochs(path) == [[1, 4]])
        }
    }
}
