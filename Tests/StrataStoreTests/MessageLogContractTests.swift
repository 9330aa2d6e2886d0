import Foundation
import StrataCore
import StrataStore
import Testing

/// The message log and identity, the same for every backend.
struct MessageLogContractTests {
    static let t0: Int64 = 1_782_777_600_000  // 2026-06-30T00:00:00Z

    func track(
        _ id: String, user: String? = nil, anonymous: String? = nil, event: String = "Logged In", at minutes: Int64
    )
        -> Message
    {
        Message(
            kind: .track, messageId: id, userId: user, anonymousId: anonymous, event: event,
            timestamp: Self.t0 + minutes * Instant.minute, receivedAt: Self.t0 + minutes * Instant.minute)
    }

    func identify(
        _ id: String, user: String, anonymous: String? = nil, traits: [String: JSONValue], at minutes: Int64
    )
        -> Message
    {
        Message(
            kind: .identify, messageId: id, userId: user, anonymousId: anonymous, traits: traits,
            timestamp: Self.t0 + minutes * Instant.minute, receivedAt: Self.t0 + 10_000 * Instant.minute)
    }

    @Test(arguments: Backend.allCases)
    func duplicatesAreStoredOnce(_ backend: Backend) async throws {
        try await backend.withStore { store in
            let first = try await store.append(
                [track("m1", user: "u", at: 1), track("m2", user: "u", at: 2)], quarantine: [])
            #expect(first.inserted == 2)
            let changed = track("m1", user: "u", event: "Other", at: 1)
            var resent = track("m1", user: "u", at: 1)
            resent.sentAt = Self.t0 + Instant.hour  // a retry changes sentAt only: not a conflict
            let again = try await store.append(
                [resent, changed, track("m3", user: "u", at: 3)], quarantine: [])
            #expect(again.inserted == 1)
            #expect(again.duplicates == 2)
            #expect(again.conflicting == 1)
            #expect(again.duplicateFlags == [true, true, false])
            let stats = try await store.statistics()
            #expect(stats.messages == 3)
            #expect(stats.duplicates == 2)
            #expect(stats.conflicting == 1)
            #expect(stats.eventNames == ["Logged In"])
            #expect(stats.messagesByKind == [.track: 3])
            #expect(stats.firstEvent == Self.t0 + Instant.minute)
            #expect(stats.lastEvent == Self.t0 + 3 * Instant.minute)
        }
    }

    @Test(arguments: Backend.allCases)
    func quarantineKeepsRawBytesAndReason(_ backend: Backend) async throws {
        try await backend.withStore { store in
            let raw: [UInt8] = Array(#"{"type":"track""#.utf8) + [0xFF]
            let entry = QuarantineEntry(
                source: "events.jsonl:7", index: 2, error: MessageError(.invalidJSON, "unexpected end of input"),
                raw: raw,
                receivedAt: Self.t0)
            let result = try await store.append([], quarantine: [entry])
            #expect(result.quarantined == 1)
            var stored = entry
            stored.id = 1
            #expect(try await store.quarantined(limit: 10) == [stored])
            #expect(try await store.statistics().quarantinedByReason == ["invalid_json": 1])
            // The same entry again is kept once; the same bytes at another position are another entry.
            var elsewhere = entry
            elsewhere.index = 3
            let again = try await store.append([], quarantine: [entry, elsewhere])
            #expect(again.quarantined == 1)
            #expect(again.alreadyQuarantined == 1)
            #expect(try await store.quarantined(reason: "invalid_json", limit: -1).map(\.id) == [1, 2])
            #expect(try await store.quarantined(reason: "too_large", limit: -1).isEmpty)
        }
    }

    @Test(arguments: Backend.allCases)
    func releasedQuarantineEntriesLeaveWithTheirMessagesUnlessTheyConflict(_ backend: Backend) async throws {
        try await backend.withStore { store in
            let refused = (1...3).map { line in
                QuarantineEntry(
                    source: "a.jsonl:\(line)", index: 0, error: MessageError(.invalidTimestamp, "soon"),
                    raw: Array("line \(line)".utf8), receivedAt: Self.t0)
            }
            _ = try await store.append([track("m1", user: "u1", at: 0)], quarantine: refused)
            // Entry 1 retried as a new message, entry 2 as m1 with other content, entry 3 as m1 itself.
            let retried = try await store.append(
                storedParts: [
                    [
                        StoredMessage(track("m2", user: "u1", at: 0)),
                        StoredMessage(track("m1", user: "u1", event: "Logged Out", at: 0)),
                        StoredMessage(track("m1", user: "u1", at: 0)),
                    ]
                ], quarantine: [],
                releasing: [
                    QuarantineRelease(id: 1, messages: 0..<1), QuarantineRelease(id: 2, messages: 1..<2),
                    QuarantineRelease(id: 3, messages: 2..<3),
                ])
            #expect(retried.inserted == 1)
            #expect(retried.conflicts == [1])
            #expect(retried.released == 2)
            #expect(try await store.quarantined(limit: -1).map(\.source) == ["a.jsonl:2"])
        }
    }

    @Test(arguments: Backend.allCases)
    func anonymousHistoryCountsForTheUserAfterIdentify(_ backend: Backend) async throws {
        try await backend.withStore { store in
            _ = try await store.append(
                [
                    track("e1", anonymous: "a1", event: "Page Viewed", at: 1),
                    track("e2", anonymous: "a1", event: "Product Added", at: 2),
                    identify("i1", user: "ann", anonymous: "a1", traits: ["plan": .string("trial")], at: 3),
                    track("e3", user: "ann", event: "Order Completed", at: 4),
                    track("e4", anonymous: "stranger", event: "Page Viewed", at: 5),
                ], quarantine: [])
            let before = try #require(try await store.profile(id: "a1", asOf: Self.t0 + 2 * Instant.minute))
            #expect(before.key == "a1")  // not yet identified at that instant
            #expect(before.eventCounts == ["Page Viewed": 1, "Product Added": 1])
            let after = try #require(try await store.profile(id: "a1", asOf: Self.t0 + Instant.day))
            #expect(after.key == "ann")
            #expect(after.eventCounts == ["Page Viewed": 1, "Product Added": 1, "Order Completed": 1])
            #expect(after.traits == ["plan": .string("trial")])
            #expect(after.firstSeen == Self.t0 + Instant.minute)
            #expect(after.lastSeen == Self.t0 + 4 * Instant.minute)
            #expect(after.recentEvents.map(\.messageId) == ["e3", "e2", "e1"])
            let byUser = try #require(try await store.profile(id: "ann", asOf: Self.t0 + Instant.day))
            #expect(byUser.eventCounts == after.eventCounts)
            #expect(Set(byUser.ids) == [.init(id: "ann", isUser: true), .init(id: "a1", isUser: false)])
        }
    }

    @Test(arguments: Backend.allCases)
    func anEarlierLinkArrivingLaterMovesTheMergeEarlier(_ backend: Backend) async throws {
        try await backend.withStore { store in
            _ = try await store.append(
                [
                    track("a-early", anonymous: "a1", event: "Page Viewed", at: 5),
                    identify("i-late", user: "u1", anonymous: "a1", traits: [:], at: 50),
                ], quarantine: [])
            let before = try #require(try await store.profile(id: "a1", asOf: Self.t0 + 20 * Instant.minute))
            #expect(before.key == "a1")
            // A message carrying both ids, made at minute 10, arrives after the identify of minute 50.
            _ = try await store.append([track("both", user: "u1", anonymous: "a1", at: 10)], quarantine: [])
            let after = try #require(try await store.profile(id: "a1", asOf: Self.t0 + 20 * Instant.minute))
            #expect(after.key == "u1")
            #expect(after.eventCounts == ["Page Viewed": 1, "Logged In": 1])
            // The same link seen again later changes nothing.
            _ = try await store.append([track("again", user: "u1", anonymous: "a1", at: 60)], quarantine: [])
            let graph = try await store.identityGraph(asOf: Self.t0 + 9 * Instant.minute)
            #expect(graph.profileKey(userId: nil, anonymousId: "a1") == "a1")
        }
    }

    @Test(arguments: Backend.allCases)
    func aliasMergesThroughTheStore(_ backend: Backend) async throws {
        try await backend.withStore { store in
            let alias = Message(
                kind: .alias, messageId: "al", userId: "new@x.com", previousId: "old-id",
                timestamp: Self.t0 + 10 * Instant.minute,
                receivedAt: Self.t0)
            _ = try await store.append(
                [track("e1", user: "old-id", at: 1), track("e2", user: "new@x.com", at: 2), alias], quarantine: [])
            let profile = try #require(try await store.profile(id: "old-id", asOf: Self.t0 + Instant.day))
            #expect(profile.key == "new@x.com")
            #expect(profile.eventCounts == ["Logged In": 2])
        }
    }

    @Test(arguments: Backend.allCases)
    func traitsAreLatestWinsWhenMessagesArriveOutOfOrder(_ backend: Backend) async throws {
        try await backend.withStore { store in
            _ = try await store.append(
                [identify("i-late", user: "u", traits: ["plan": .string("pro"), "mrr": .number(99)], at: 50)],
                quarantine: [])
            _ = try await store.append(
                [
                    identify(
                        "i-early", user: "u", traits: ["plan": .string("free"), "industry": .string("retail")], at: 10)
                ],
                quarantine: [])
            let profile = try #require(try await store.profile(id: "u", asOf: Self.t0 + Instant.day))
            #expect(profile.traits == ["plan": .string("pro"), "mrr": .number(99), "industry": .string("retail")])
            let earlier = try #require(try await store.profile(id: "u", asOf: Self.t0 + 20 * Instant.minute))
            #expect(earlier.traits == ["plan": .string("free"), "industry": .string("retail")])
        }
    }

    @Test(arguments: Backend.allCases)
    func accountsComeFromGroupCalls(_ backend: Backend) async throws {
        try await backend.withStore { store in
            func group(
                _ id: String, user: String, account: String, traits: [String: JSONValue], at minutes: Int64
            ) -> Message {
                Message(
                    kind: .group, messageId: id, userId: user, traits: traits, groupId: account,
                    timestamp: Self.t0 + minutes * Instant.minute, receivedAt: Self.t0)
            }
            _ = try await store.append(
                [
                    group("g1", user: "ann", account: "acme", traits: ["industry": .string("retail")], at: 1),
                    group(
                        "g2", user: "bob", account: "acme",
                        traits: ["industry": .string("manufacturing"), "employees": .number(120)], at: 2),
                    track("e1", user: "ann", at: 3),
                ], quarantine: [])
            let ann = try #require(try await store.profile(id: "ann", asOf: Self.t0 + Instant.day))
            #expect(ann.account == "acme")
            #expect(ann.accountTraits == ["industry": .string("manufacturing"), "employees": .number(120)])
        }
    }

    @Test(arguments: Backend.allCases)
    func oneReadFindsManyProfilesAsSeparateReadsDo(_ backend: Backend) async throws {
        try await backend.withStore { store in
            let group = Message(
                kind: .group, messageId: "g1", userId: "ann", traits: ["industry": .string("retail")], groupId: "acme",
                timestamp: Self.t0 + 2 * Instant.minute, receivedAt: Self.t0)
            _ = try await store.append(
                [
                    track("e1", anonymous: "a1", at: 1), group,
                    identify("i1", user: "ann", anonymous: "a1", traits: ["plan": .string("pro")], at: 3),
                    track("e2", user: "bob", at: 4), track("e3", anonymous: "a2", at: 5),
                ], quarantine: [])
            let asOf = Self.t0 + Instant.day
            let found = try await store.reading { source in
                try ["a1", "bob", "a2", "nobody"].map { try source.profileMessages(id: $0, asOf: asOf) }
            }
            // a1 is ann's since the identify at minute 3; her account's group call comes along.
            #expect(found[0]?.key == "ann")
            #expect(found[0]?.messages.map(\.message.messageId) == ["e1", "g1", "i1"])
            #expect(found[0]?.accountMessages.map(\.message.messageId) == ["g1"])
            #expect(found[1]?.key == "bob")
            #expect(found[1]?.messages.map(\.message.messageId) == ["e2"])
            #expect(found[2]?.key == "a2")
            #expect(found[2]?.accountMessages.isEmpty == true)
            #expect(found[3] == nil)
            for (index, id) in ["a1", "bob", "a2"].enumerated() {
                let alone = try await store.profileMessages(id: id, asOf: asOf)
                #expect(alone?.messages.map(\.sequence) == found[index]?.messages.map(\.sequence))
            }
            let calls = try await store.reading { try $0.groupCalls(account: "acme") }
            #expect(calls.map(\.message.messageId) == ["g1"])
        }
    }

    @Test(arguments: Backend.allCases)
    func traitNamesAreCataloguedFromStoredIdentifyAndGroupCalls(_ backend: Backend) async throws {
        try await backend.withStore { store in
            let group = Message(
                kind: .group, messageId: "g1", userId: "ann", traits: ["industry": .string("retail")], groupId: "acme",
                timestamp: Self.t0, receivedAt: Self.t0)
            var withProperties = track("t1", user: "ann", at: 2)
            withProperties.properties = ["revenue": .number(5)]
            _ = try await store.append(
                [
                    identify("i1", user: "ann", traits: ["plan": .string("pro"), "email": .string("a@x.com")], at: 1),
                    identify("i2", user: "bob", traits: ["plan": .string("free"), "seats": .number(3)], at: 1),
                    group, withProperties,
                    // A duplicate id is not stored, so its trait is not catalogued.
                    identify("i1", user: "ann", traits: ["nickname": .string("A")], at: 1),
                ], quarantine: [])
            let names = try await store.statistics().traitNames
            #expect(names.users == ["plan", "email", "seats"])
            #expect(names.accounts == ["industry"])
        }
    }

    @Test(arguments: Backend.allCases)
    func sequencesStartAtOneAndARepeatWithinABatchIsADuplicate(_ backend: Backend) async throws {
        try await backend.withStore { store in
            #expect(try store.lastSequence() == 0)
            #expect(try store.messages(after: 0, limit: 10, payloadKeys: []).isEmpty)
            let first = try await store.append(
                [
                    track("m1", user: "u", at: 1), track("m1", user: "u", event: "Other", at: 1),
                    track("m2", anonymous: "a", at: 2), track("m2", anonymous: "a", at: 2),
                    track("m3", user: "v", at: 3),
                ], quarantine: [])
            #expect(first.inserted == 3)
            #expect(first.duplicates == 2)
            #expect(first.conflicting == 1)  // m1 again with another event; m2 again unchanged
            #expect(first.duplicateFlags == [false, true, false, true, false])
            #expect(try store.lastSequence() == 3)
            let second = try await store.append(
                [track("m4", user: "u", at: 4), track("m1", user: "u", at: 1)], quarantine: [])
            #expect(second.inserted == 1)
            #expect(second.duplicateFlags == [false, true])
            #expect(try store.lastSequence() == 4)
            let page = try store.messages(after: 1, limit: 2, payloadKeys: [])
            #expect(page.map(\.sequence) == [2, 3])
            #expect(page.map(\.message.messageId) == ["m2", "m3"])
            #expect(try store.messages(after: 3, limit: 5, payloadKeys: []).map(\.message.messageId) == ["m4"])
            #expect(try store.messages(after: 4, limit: 5, payloadKeys: []).isEmpty)
            #expect(try store.messages(after: 0, limit: 0, payloadKeys: []).isEmpty)
            // The first m1 is the one kept.
            #expect(try store.messages(sequences: [1], payloadKeys: nil).map(\.message.event) == ["Logged In"])
            let stats = try await store.statistics()
            #expect(stats.messages == 4)
            #expect(stats.duplicates == 3)
            #expect(stats.conflicting == 1)
        }
    }

    @Test(arguments: Backend.allCases)
    func statisticsAndTheBusiestUsersCountWhatIsStored(_ backend: Backend) async throws {
        try await backend.withStore { store in
            let quarantine = [
                QuarantineEntry(
                    source: "a.jsonl:1", index: 0, reason: "invalid_json", field: nil, detail: "x", raw: [1],
                    receivedAt: Self.t0),
                QuarantineEntry(
                    source: "a.jsonl:2", index: 0, reason: "missing_field", field: "type", detail: "y", raw: [2],
                    receivedAt: Self.t0),
                QuarantineEntry(
                    source: "a.jsonl:3", index: 0, reason: "invalid_json", field: nil, detail: "z", raw: [3],
                    receivedAt: Self.t0),
            ]
            let page = Message(
                kind: .page, messageId: "p", anonymousId: "a", timestamp: Self.t0 + 90 * Instant.minute,
                receivedAt: Self.t0)
            _ = try await store.append(
                [
                    track("t1", user: "u1", event: "Signed Up", at: 5), track("t2", user: "u1", at: 6),
                    track("t3", user: "u1", at: 7), track("t4", user: "u3", at: 8), track("t5", user: "u3", at: 9),
                    identify("i1", user: "u2", traits: [:], at: 1), track("t6", user: "u2", at: 10), page,
                ], quarantine: quarantine)
            let stats = try await store.statistics()
            #expect(stats.messages == 8)
            #expect(stats.messagesByKind == [.track: 6, .identify: 1, .page: 1])
            #expect(stats.quarantined == 3)
            #expect(stats.quarantinedByReason == ["invalid_json": 2, "missing_field": 1])
            #expect(stats.eventNames == ["Logged In", "Signed Up"])
            // Event times of tracks and pages only: the identify of minute 1 is not an event.
            #expect(stats.firstEvent == Self.t0 + 5 * Instant.minute)
            #expect(stats.lastEvent == Self.t0 + 90 * Instant.minute)
            #expect(try await store.quarantined(limit: 2).map(\.source) == ["a.jsonl:1", "a.jsonl:2"])
            // u1 has 3; u2 (an identify and a track) and u3 have 2 each, u2 first by id; the page has no user.
            let busiest = try await store.busiestUsers(limit: 2)
            #expect(busiest.map(\.userId) == ["u1", "u2"])
            #expect(busiest.map(\.messages) == [3, 2])
            #expect(try await store.busiestUsers(limit: 10).map(\.userId) == ["u1", "u2", "u3"])
        }
    }

    @Test(arguments: Backend.allCases)
    func theIdentityGraphHoldsTheLinksAtOrBeforeTheInstant(_ backend: Backend) async throws {
        try await backend.withStore { store in
            let minute = Instant.minute
            // a1 is identified as u2 at minute 20; a message of minute 10 linking it to u1 arrives later.
            _ = try await store.append(
                [identify("i2", user: "u2", anonymous: "a1", traits: [:], at: 20)], quarantine: [])
            let alias = Message(
                kind: .alias, messageId: "al", userId: "new", previousId: "u1", timestamp: Self.t0 + 30 * minute,
                receivedAt: Self.t0)
            _ = try await store.append([track("t1", user: "u1", anonymous: "a1", at: 10), alias], quarantine: [])
            func key(_ asOf: Int64, user: String? = nil, anonymous: String? = nil) async throws -> String? {
                try await store.identityGraph(asOf: Self.t0 + asOf * minute).profileKey(
                    userId: user, anonymousId: anonymous)
            }
            #expect(try await key(9, anonymous: "a1") == "a1")
            #expect(try await key(10, anonymous: "a1") == "u1")  // at the instant counts
            #expect(try await store.identityGraph(asOf: Self.t0 + 19 * minute).conflicts(ofProfile: "u1") == [])
            // The later link to u2 is refused: a1 stays with u1, the link it made first in time.
            let graph = try await store.identityGraph(asOf: Self.t0 + 20 * minute)
            #expect(graph.profileKey(userId: nil, anonymousId: "a1") == "u1")
            #expect(
                graph.conflicts(ofProfile: "u1") == [
                    .init(id: "a1", refusedUser: "u2", keptUser: "u1", time: Self.t0 + 20 * minute)
                ])
            #expect(try await key(29, user: "u1") == "u1")
            #expect(try await key(30, user: "u1") == "new")
            #expect(try await key(30, anonymous: "a1") == "new")
        }
    }

    @Test(arguments: Backend.allCases)
    func theGraphAroundAnIdHoldsItsWholeProfile(_ backend: Backend) async throws {
        try await backend.withStore { store in
            let minute = Instant.minute
            // u1's profile: a1 (minute 10), then the alias of u1 to new (minute 30); a1 is refused to u2.
            // A separate profile: u3 with a3.
            let alias = Message(
                kind: .alias, messageId: "al", userId: "new", previousId: "u1", timestamp: Self.t0 + 30 * minute,
                receivedAt: Self.t0)
            _ = try await store.append(
                [
                    track("t1", user: "u1", anonymous: "a1", at: 10),
                    identify("i2", user: "u2", anonymous: "a1", traits: [:], at: 20), alias,
                    track("t3", user: "u3", anonymous: "a3", at: 5),
                ], quarantine: [])
            for asOf: Int64 in [9, 10, 20, 30] {
                let instant = Self.t0 + asOf * minute
                let whole = try await store.identityGraph(asOf: instant)
                for (id, isUser) in [("a1", false), ("u1", true), ("u2", true), ("new", true), ("a3", false)] {
                    let node = IdentityGraph.Node(id: id, isUser: isUser)
                    let around = try await store.identityGraph(around: id, asOf: instant)
                    #expect(around.profileKey(of: node) == whole.profileKey(of: node), "\(id) at minute \(asOf)")
                    #expect(Set(around.members(of: node)) == Set(whole.members(of: node)), "\(id) at minute \(asOf)")
                    let key = whole.profileKey(of: node) ?? id
                    #expect(around.conflicts(ofProfile: key) == whole.conflicts(ofProfile: key), "\(id) at \(asOf)")
                }
            }
            let around = try await store.identityGraph(around: "a1", asOf: Self.t0 + 30 * minute)
            #expect(around.profileKey(userId: nil, anonymousId: "a1") == "new")
            #expect(around.profileKey(userId: "u3", anonymousId: nil) == "u3")  // not linked: its own key
        }
    }

    @Test(arguments: Backend.allCases)
    func messagesOfManyIdsAtOnce(_ backend: Backend) async throws {
        try await backend.withStore { store in
            // 1,200 users with one message each and 1,100 anonymous visitors with one each, asked for in
            // one call: 2,300 keys of the index, and messages spread over several blocks.
            let tracked = (0..<1_200).map { track("t\($0)", user: "u\($0)", at: Int64($0)) }
            let browsed = (0..<1_100).map { track("b\($0)", anonymous: "a\($0)", at: 5_000) }
            _ = try await store.append(tracked + browsed, quarantine: [])
            let nodes =
                (0..<1_200).map { IdentityGraph.Node(id: "u\($0)", isUser: true) }
                + (0..<1_100).map { IdentityGraph.Node(id: "a\($0)", isUser: false) }
            let found = try await store.messages(of: nodes)
            #expect(found.map(\.sequence) == Array(1...2_300))
            #expect(found[1_199].message.messageId == "t1199")
            #expect(found[1_200].message.messageId == "b0")
            #expect(found[2_299].message.anonymousId == "a1099")
        }
    }

    @Test(arguments: Backend.allCases)
    func messagesBySequenceComeInOrderAcrossQueries(_ backend: Backend) async throws {
        try await backend.withStore { store in
            let messages = (0..<2_100).map { i in
                var message = track("m\(i)", user: "u\(i % 7)", at: Int64(i))
                message.context = ["ip": .string("10.0.0.\(i % 250)")]
                return message
            }
            _ = try await store.append(messages, quarantine: [])
            // The even sequences 2...2100 (1,050 of them, in at least 9 blocks of at most 256 messages),
            // asked for backwards, with a repeat and a sequence never stored.
            let even = Array(stride(from: Int64(2), through: 2_100, by: 2))
            let found = try store.messages(sequences: even.reversed() + [2, 9_999], payloadKeys: nil)
            #expect(found.map(\.sequence) == even)
            #expect(found.first?.message.messageId == "m1")
            #expect(found.last?.message.messageId == "m2099")
            #expect(found[1_000].sequence == 2_002)
            #expect(found[1_000].message.userId == "u6")  // m2001: 2001 = 7 × 285 + 6
            var scanned: [Int64: Message] = [:]
            try store.forEachMessage(includingContext: false) { sequence, message in scanned[sequence] = message }
            #expect(found.allSatisfy { $0.message == scanned[$0.sequence] })
            #expect(found.allSatisfy { $0.message.context == nil })
            #expect(try store.messages(sequences: [], payloadKeys: nil).isEmpty)
        }
    }

    /// Reading with payload keys keeps only those members of properties and traits; following the
    /// log gives ids, names and times, with the payload keys asked for and never the context.
    @Test(arguments: Backend.allCases)
    func messagesCanBeReadWithPartOfTheirPayload(_ backend: Backend) async throws {
        try await backend.withStore { store in
            var order = track("o", user: "u", event: "Order Completed", at: 1)
            order.properties = ["revenue": .number(49.5), "coupon": .string("SPRING"), "items": .array([.number(1)])]
            var identify = Message(
                kind: .identify, messageId: "i", userId: "u",
                traits: ["plan": .string("pro"), "email": .string("u@x.io")],
                timestamp: Self.t0, receivedAt: Self.t0)
            identify.context = ["ip": .string("10.0.0.1")]
            _ = try await store.append([order, identify], quarantine: [])
            var scanned: [Message] = []
            try store.forEachMessage(includingContext: false, payloadKeys: ["revenue", "plan", "absent"]) {
                scanned.append($1)
            }
            #expect(scanned.map(\.properties) == [["revenue": .number(49.5)], [:]])
            #expect(scanned.map(\.traits) == [[:], ["plan": .string("pro")]])
            let read = try store.messages(sequences: [1, 2], payloadKeys: ["coupon", "email"])
            #expect(read.map(\.message.properties) == [["coupon": .string("SPRING")], [:]])
            #expect(read.map(\.message.traits) == [[:], ["email": .string("u@x.io")]])
            let followed = try store.messages(after: 0, limit: 10, payloadKeys: [])
            #expect(followed.map(\.message.messageId) == ["o", "i"])
            #expect(followed.map(\.message.event) == ["Order Completed", nil])
            #expect(followed.allSatisfy { $0.message.properties.isEmpty && $0.message.traits.isEmpty })
            #expect(followed.map(\.message.time) == [Self.t0 + Instant.minute, Self.t0])
            let kept = try store.messages(after: 1, limit: 10, payloadKeys: ["plan", "revenue"])
            #expect(kept.map(\.message.messageId) == ["i"])
            #expect(kept.map(\.message.traits) == [["plan": .string("pro")]])
            #expect(kept.map(\.message.context) == [nil])
        }
    }

    @Test(arguments: Backend.allCases)
    func messageIdsComeInArrivalOrderOnce(_ backend: Backend) async throws {
        try await backend.withStore { store in
            _ = try await store.append(
                [track("late", user: "u", at: 50), track("early", user: "u", at: 1)], quarantine: [])
            _ = try await store.append(
                [track("early", user: "u", at: 1), track("third", user: "v", at: 20)], quarantine: [])
            var ids: [String] = []
            try store.forEachMessageId { ids.append($0) }
            #expect(ids == ["late", "early", "third"])
        }
    }
}
