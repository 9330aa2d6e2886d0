import StrataCore
import StrataLanguage
import Testing

@testable import StrataEngine

/// The resolution the timelines file stores (``ResolvedPack``): served as it is when no message came
/// after the file, resolved again otherwise, and refused when it is not one.
@Suite struct ResolvedPackTests {
    static func snapshot(of messages: [Message], needs: DataNeeds) throws -> TimelineSnapshot {
        var writer = TimelineBuilder(asOf: Int64.max, needs: needs)
        for (i, message) in messages.enumerated() { writer.add(sequence: Int64(i + 1), message: message) }
        let written = writer.snapshot(sequence: Int64(messages.count), messages: messages.count, erasures: 0)
        return try TimelineSnapshot(decoding: written.encoded())
    }

    @Test func aFileGivenNoLaterMessageBuildsWhatTheLogBuilds() throws {
        let fixture = TimelineSnapshotTests.fixture()
        let definitions = try fixture.definitions()
        let needs = DataNeeds(definitions: definitions)
        let snapshot = try Self.snapshot(of: fixture.messages, needs: needs)
        let end = t("2026-01-10T00:00:00Z")
        var fromLog = TimelineBuilder(asOf: end, needs: needs)
        for (i, message) in fixture.messages.enumerated() { fromLog.add(sequence: Int64(i + 1), message: message) }
        let fromFile = TimelineBuilder(asOf: end, from: snapshot).build()
        let answers = try TimelineSnapshotTests.answers(fromFile, definitions, at: end)
        #expect(answers == (try TimelineSnapshotTests.answers(fromLog.build(), definitions, at: end)))
        // Worked out by hand: without the later alias, ann (50) and phone-2 (70) stay apart, and bob
        // has phone-1's one order; only acme is in retail.
        #expect(answers == ["buyers: []", "big: []", "teams: [\"acme\"]", "plan: string(\"pro\")"])
        #expect(fromFile.users.ids == ["ann", "bob", "phone-2"])
        // The identity graph is made when an id that is no profile key is looked up.
        #expect(fromFile.userIndex(forID: "phone-1") == 1)
        #expect(fromFile.accounts.ids == ["acme"])
        #expect(fromFile.account(ofUser: 0) == 0)
    }

    /// Three events at one millisecond: amy's first and third, then anon-z's, linked to amy after the
    /// file was written. Read either way, the merged profile orders them by their messages' ids (a
    /// message without a userId first), then by arrival.
    @Test func eventsAtOneMillisecondAreOrderedByTheirIdsWhicheverWayTheyWereRead() throws {
        var fixture = Fixture()
        fixture.segment("seen", "did(any)")
        let noon = t("2026-03-01T12:00:00Z")
        fixture.track("amy", "A", at: noon)
        fixture.track(nil, "B", at: noon, anonymousId: "anon-z")
        fixture.track("amy", "C", at: noon)
        let link = Message(
            kind: .identify, messageId: "link", userId: "amy", anonymousId: "anon-z",
            timestamp: t("2026-03-02T00:00:00Z"), receivedAt: t("2026-03-02T00:00:00Z"))
        let needs = DataNeeds(definitions: try fixture.definitions())
        let snapshot = try Self.snapshot(of: fixture.messages, needs: needs)
        let covered = Int64(fixture.messages.count)

        func names(_ population: Population, of id: String) -> [String] {
            guard let profile = population.users.index(of: id) else { return [] }
            return population.users.events(of: profile).map {
                population.vocabulary.eventNames[Int(population.users.names[$0])]
            }
        }
        let before = TimelineBuilder(asOf: Int64.max, from: snapshot).build()
        #expect(names(before, of: "amy") == ["A", "C"])
        #expect(names(before, of: "anon-z") == ["B"])

        var fromLog = TimelineBuilder(asOf: Int64.max, needs: needs)
        for (i, message) in (fixture.messages + [link]).enumerated() {
            fromLog.add(sequence: Int64(i + 1), message: message)
        }
        var fromFile = TimelineBuilder(asOf: Int64.max, from: snapshot)
        fromFile.add(sequence: covered + 1, message: link)
        for population in [fromLog.build(), fromFile.build()] {
            #expect(population.users.ids == ["amy"])
            #expect(names(population, of: "amy") == ["B", "A", "C"])
        }
    }

    @Test func aFileWhoseEventsAreNotInPopulationOrderIsRefused() throws {
        let fixture = TimelineSnapshotTests.fixture()
        let needs = DataNeeds(definitions: try fixture.definitions())
        let snapshot = try Self.snapshot(of: fixture.messages, needs: needs)
        // One event each for ann, bob and phone-2, in that order: swapping the first and last pairs
        // puts phone-2's event before ann's.
        var resolved = snapshot.resolved
        #expect(resolved.pack.eventPairs.map { resolved.profileOfPair[Int($0)] } == [0, 1, 2])
        resolved.pack.eventPairs.swapAt(0, 2)
        let damaged = TimelineSnapshot(resolved: resolved, sequence: 6, messages: 6, erasures: 0).encoded()
        #expect {
            try TimelineSnapshot(decoding: damaged)
        } throws: { error in
            (error as? SnapshotError)?.description.hasPrefix("event 1 of the timelines file is out of order") == true
        }
    }

    /// A resolution that is not one is refused with what is wrong, however it got past the checksum:
    /// ids out of order, a trait value outside the vocabulary, an account index outside the accounts.
    @Test func aFileWhoseResolutionIsNotOneIsRefusedSayingWhy() throws {
        let fixture = TimelineSnapshotTests.fixture()
        let snapshot = try Self.snapshot(of: fixture.messages, needs: DataNeeds(definitions: try fixture.definitions()))
        let resolved = snapshot.resolved
        // ann's plan is the only string trait value, so the vocabulary holds fewer than 1,000 strings.
        let plan = try #require(resolved.pack.layout.userTraitPaths.firstIndex(of: ["plan"]))
        #expect(resolved.userTraits.tags[plan] == StoredValue.string)
        var unsorted = resolved
        unsorted.ids.swapAt(0, 1)
        var badTrait = resolved
        badTrait.userTraits.values[plan] = 1_000
        var badAccount = resolved
        badAccount.accountOfUser[0] = 5
        let cases: [(ResolvedPack, String)] = [
            (unsorted, "the ids of the timelines file are not in order"),
            (badTrait, "trait value \(plan) of the timelines file is not valid"),
            (badAccount, "an index of the timelines file points outside its table"),
        ]
        for (damaged, reason) in cases {
            let bytes = TimelineSnapshot(resolved: damaged, sequence: 6, messages: 6, erasures: 0).encoded()
            #expect {
                try TimelineSnapshot(decoding: bytes)
            } throws: { error in
                (error as? SnapshotError)?.description.hasPrefix(reason) == true
            }
        }
    }
}
