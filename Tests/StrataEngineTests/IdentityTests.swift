import StrataCore
import StrataEngine
import StrataLanguage
import Testing

/// Identity resolution and traits in timelines (LANGUAGE.md §8, "Profiles and identity").
@Suite struct IdentityTests {
    let now = t("2026-07-01T00:00:00Z")

    @Test func anonymousHistoryMergesIntoTheUser() throws {
        var f = Fixture()
        f.track(nil, "Page Viewed", at: now - 10 * day, anonymousId: "anon-1")
        f.track(nil, "Product Added", at: now - 9 * day, anonymousId: "anon-1")
        f.identify("u1", ["plan": "pro"], at: now - 8 * day, anonymousId: "anon-1")
        f.track("u1", "Order Completed", at: now - 7 * day)
        f.segment("added-then-ordered", #"followed_by("Product Added", "Order Completed", within: 3d)"#)
        f.segment("everyone", "true")
        let engine = try f.engine(asOf: now)
        #expect(try engine.segment(named: "everyone").members == ["u1"])
        #expect(try engine.segment(named: "added-then-ordered").members == ["u1"])
        #expect(try f.value("first_seen", for: "anon-1", asOf: now) == .time(now - 10 * day))
        #expect(try f.value("count(any)", for: "u1", asOf: now) == .number(3))
    }

    @Test func aLinkAfterTheInstantIsIgnored() throws {
        var f = Fixture()
        f.track(nil, "A", at: now - 10 * day, anonymousId: "anon-1")
        f.identify("u1", at: now + day, anonymousId: "anon-1")  // after now
        f.track("u1", "A", at: now - day)
        f.segment("everyone", "true")
        #expect(try f.members("everyone", asOf: now) == ["anon-1", "u1"])
        #expect(try f.members("everyone", asOf: now + day) == ["u1"])
    }

    @Test func aliasMergesTwoUsers() throws {
        var f = Fixture()
        f.track("old", "A", at: now - 5 * day)
        f.track("new", "A", at: now - 4 * day)
        f.alias("old", to: "new", at: now - 3 * day)
        f.segment("two-a", #"count("A") = 2"#)
        #expect(try f.members("two-a", asOf: now) == ["new"])
    }

    @Test func aConflictingLinkIsIgnored() throws {
        var f = Fixture()
        f.identify("u1", at: now - 5 * day, anonymousId: "anon")
        f.identify("u2", at: now - 4 * day, anonymousId: "anon")  // anon stays with u1
        f.track(nil, "A", at: now - 3 * day, anonymousId: "anon")
        f.segment("did-a", #"did("A")"#)
        #expect(try f.members("did-a", asOf: now) == ["u1"])
    }

    @Test func traitsAreLatestWinsByTimestampThenReceipt() throws {
        var f = Fixture()
        f.identify("u", ["plan": "pro", "seats": 3], at: now - 2 * day, receivedAt: now - 2 * day)
        // Arrives later but is older: does not win.
        f.identify("u", ["plan": "free"], at: now - 3 * day, receivedAt: now - day)
        // Same timestamp as the first, received later: wins the tie.
        f.identify("u", ["seats": 5], at: now - 2 * day, receivedAt: now - 2 * day + 1)
        // After now: ignored.
        f.identify("u", ["plan": "enterprise"], at: now + 1)
        // Null removes the trait.
        f.identify("v", ["plan": "pro"], at: now - 2 * day)
        f.identify("v", ["plan": .null], at: now - day)
        let values = try f.values(["trait.plan", "trait.seats"], for: "u", asOf: now)
        #expect(values == [.string("pro"), .number(5)])
        #expect(try f.value("trait.plan", for: "v", asOf: now) == .missing)
        #expect(try f.value("exists(trait.plan)", for: "v", asOf: now) == .bool(false))
    }

    @Test func messagesWithoutEventsStillMakeProfiles() throws {
        var f = Fixture()
        f.group("g-user", "acme", at: now - day)
        f.alias("someone", to: "alias-user", at: now - day)
        f.identify("late", at: now + 1)
        f.segment("everyone", "not did(any)")
        #expect(try f.members("everyone", asOf: now) == ["alias-user", "g-user"])
    }

    @Test func eventTimeFallsBackToReceivedAt() throws {
        var f = Fixture()
        f.messages.append(
            Message(kind: .track, messageId: "x", userId: "u", event: "A", timestamp: nil, receivedAt: now - day))
        #expect(try f.value("last_seen", for: "u", asOf: now) == .time(now - day))
    }
}
