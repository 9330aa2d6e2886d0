import StrataCore
import StrataEngine
import StrataLanguage
import Testing

/// Accounts: membership by latest group call, account traits, account timelines, `count_users`,
/// `$user` and `account.EXPR`.
@Suite struct AccountTests {
    /// Wednesday 2026-07-01 12:00 UTC; the week started Monday 06-29.
    let now = t("2026-07-01T12:00:00Z")
    let monday = t("2026-06-29T00:00:00Z")

    var fixture: Fixture {
        var f = Fixture()
        f.group("u1", "acme", ["industry": "manufacturing", "employees": 40], at: now - 10 * day)
        f.group("u2", "acme", ["employees": 120], at: now - 2 * day)
        f.group("u1", "acme", ["industry": "retail"], at: now - day)
        f.group("u3", "globex", ["industry": "media"], at: now - 10 * day)
        f.group("u3", "acme", at: now - 5 * day)  // u3 moved to acme
        f.group("u4", "globex", at: now - 3 * day)
        f.group("u4", "acme", at: now + 1)  // after now: ignored
        f.identify("solo", at: now - day)
        for user in ["u1", "u2", "u3", "u4"] { f.track(user, "Document Edited", at: monday + hour) }
        f.track("u1", "Document Edited", at: monday + 2 * hour)
        f.track("u4", "Document Edited", at: monday - 3 * day)
        f.page("u1", at: now - 3 * day, ["path": "/pricing"])
        f.page("u2", at: now - 13 * day, ["path": "/pricing"])
        f.page("u3", at: now - 15 * day, ["path": "/pricing"])  // outside last 14d
        f.page("u2", at: now - day, ["path": "/docs/integrations/slack"])
        return f
    }

    @Test func accountSegmentsSeeEveryEventOfTheirUsers() throws {
        var f = fixture
        f.segment("collaborative", of: .accounts, #"count_distinct("Document Edited", $user, this week) >= 3"#)
        f.segment(
            "high-intent-accounts", of: .accounts,
            #"count_users(did("Page Viewed" where path = "/pricing", last 14d)) >= 2 and count_users(did("Page Viewed" where path contains "/docs/integrations", last 14d)) >= 1"#
        )
        f.segment(
            "active-collaborators", of: .accounts, #"streak(week, count_distinct("Document Edited", $user) >= 3) >= 2"#)
        let engine = try f.engine(asOf: now)
        #expect(try engine.segment(named: "collaborative").members == ["acme"])
        #expect(try engine.segment(named: "high-intent-accounts").members == ["acme"])
        // acme: 3 editors this week, but none the week before.
        #expect(try engine.segment(named: "active-collaborators").members == [])
        #expect(engine.population.accounts.ids == ["acme", "globex"])
    }

    @Test func accountValues() throws {
        let f = fixture
        #expect(try f.value("account.trait.industry", for: "u1", asOf: now) == .string("retail"))
        #expect(try f.value("account.trait.employees", for: "u3", asOf: now) == .number(120))
        #expect(try f.value("account.trait.industry", for: "u4", asOf: now) == .string("media"))
        #expect(try f.value("account.trait.industry", for: "solo", asOf: now) == .missing)
        #expect(try f.value(#"account.count("Document Edited")"#, for: "u2", asOf: now) == .number(4))
        // acme's first event is u3's page view, 15 days ago.
        #expect(try f.value(#"account.first_time(any)"#, for: "u2", asOf: now) == .time(now - 15 * day))
    }

    @Test func usersReadAccountSegments() throws {
        var f = fixture
        f.segment("big-accounts", of: .accounts, "trait.employees >= 100")
        f.segment("in-big-account", #"account.segment("big-accounts")"#)
        f.segment("no-account", #"not exists(account.trait.industry)"#)
        let engine = try f.engine(asOf: now)
        #expect(try engine.segment(named: "big-accounts").members == ["acme"])
        #expect(try engine.segment(named: "in-big-account").members == ["u1", "u2", "u3"])
        #expect(try engine.segment(named: "no-account").members == ["solo"])
    }
}
