import StrataCore
import Testing

struct IdentityTests {
    func node(_ id: String, user: Bool) -> IdentityGraph.Node { .init(id: id, isUser: user) }

    @Test func identifyLinksAnonymousHistory() {
        var graph = IdentityGraph()
        graph.add(node("a1", user: false))
        #expect(graph.profileKey(userId: nil, anonymousId: "a1") == "a1")
        graph.link(anonymousId: "a1", userId: "u1", time: 10)
        #expect(graph.profileKey(userId: nil, anonymousId: "a1") == "u1")
        #expect(Set(graph.members(of: node("u1", user: true))) == [node("a1", user: false), node("u1", user: true)])
    }

    @Test func conflictingLinkIsIgnoredAndReported() {
        var graph = IdentityGraph()
        graph.link(anonymousId: "a1", userId: "u1", time: 10)
        graph.link(anonymousId: "a1", userId: "u2", time: 20)
        #expect(graph.profileKey(userId: nil, anonymousId: "a1") == "u1")
        #expect(graph.profileKey(userId: "u2", anonymousId: nil) == "u2")
        #expect(graph.conflicts == [.init(id: "a1", refusedUser: "u2", keptUser: "u1", time: 20)])
        #expect(graph.conflicts(ofProfile: "u1").count == 1)
        #expect(graph.conflicts(ofProfile: "u2").count == 1)
    }

    @Test func aliasMergesUsersAndIsTransitive() {
        var graph = IdentityGraph()
        graph.link(anonymousId: "a1", userId: "old", time: 1)
        graph.link(anonymousId: "a2", userId: "new", time: 2)
        graph.alias(previousId: "old", userId: "new", time: 3)
        #expect(graph.profileKey(userId: "old", anonymousId: nil) == "new")
        #expect(graph.profileKey(userId: nil, anonymousId: "a1") == "new")
        #expect(graph.profileKey(userId: nil, anonymousId: "a2") == "new")
        #expect(graph.conflicts.isEmpty)
    }

    @Test func aliasOfAnonymousId() {
        var graph = IdentityGraph()
        graph.add(node("device", user: false))
        graph.alias(previousId: "device", userId: "u9", time: 5)
        #expect(graph.profileKey(userId: nil, anonymousId: "device") == "u9")
    }

    @Test func traitsAreLatestWinsWhateverTheArrivalOrder() {
        var traits = TraitSet()
        // Arrives first but happened last.
        traits.apply(
            ["plan": .string("pro"), "seats": .number(5)], stamp: .init(time: 300, receivedAt: 1, sequence: 1))
        traits.apply(
            ["plan": .string("trial"), "email": .string("a@x")], stamp: .init(time: 100, receivedAt: 2, sequence: 2))
        traits.apply(["seats": .null], stamp: .init(time: 400, receivedAt: 3, sequence: 3))
        #expect(traits.values == ["plan": .string("pro"), "email": .string("a@x")])
        // Same timestamp: the message received later wins.
        traits.apply(["plan": .string("enterprise")], stamp: .init(time: 300, receivedAt: 9, sequence: 4))
        #expect(traits["plan"] == .string("enterprise"))
    }

    @Test func civilDates() {
        #expect(CivilDate(daysSinceEpoch: 0) == CivilDate(year: 1970, month: 1, day: 1))
        #expect(CivilDate(year: 2026, month: 7, day: 1).daysSinceEpoch == 20_635)
        #expect(
            CivilDate(year: 2000, month: 3, day: 1).daysSinceEpoch
                - CivilDate(year: 2000, month: 2, day: 28).daysSinceEpoch == 2)
        #expect(CivilDate(year: 2026, month: 11, day: 22).weekdayFromMonday == 6)  // a Sunday
        #expect(CivilDate(parsing: "2026-02-29") == nil)
    }

    @Test func zoneMidnights() throws {
        let berlin = try #require(Zone(identifier: "Europe/Berlin"))
        // Summer time (UTC+2): local midnight of 2026-07-01 is 2026-06-30T22:00Z.
        #expect(berlin.start(of: CivilDate(year: 2026, month: 7, day: 1)) == Instant.parse("2026-06-30T22:00:00Z"))
        // Winter time (UTC+1).
        #expect(berlin.start(of: CivilDate(year: 2026, month: 1, day: 15)) == Instant.parse("2026-01-14T23:00:00Z"))
        #expect(
            berlin.date(at: try #require(Instant.parse("2026-06-30T22:30:00Z")))
                == CivilDate(year: 2026, month: 7, day: 1))
        #expect(berlin.hour(at: try #require(Instant.parse("2026-06-30T22:30:00Z"))) == 0)
        #expect(Zone(identifier: "Mars/Olympus") == nil)
    }
}
