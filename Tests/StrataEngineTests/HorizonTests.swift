import StrataCore
import StrataEngine
import StrataLanguage
import Testing

/// Time-driven changes (ARCHITECTURE.md "Time"): the next instant at which a membership can change
/// with no new message, and, by re-evaluating at each such instant, the exact millisecond it does.
@Suite struct HorizonTests {
    let start = t("2026-07-01T00:00:00Z")

    /// Follows horizons from `from` (no new messages: the population is cut at `from`) and returns the
    /// first instant at which the profile's membership differs from its membership at `from`, with
    /// the membership before; nil when the horizon says it never changes.
    func firstChange(
        _ f: Fixture, _ segment: String, _ user: String, from: Int64, steps: Int = 50
    ) throws -> (instant: Int64, wasMember: Bool)? {
        let definitions = try f.definitions()
        let population = f.population(asOf: from, definitions: definitions)
        func engine(_ now: Int64) -> Engine {
            Engine(population: population, definitions: definitions, zone: f.zone, now: now, workers: 1)
        }
        let initial = try engine(from).segment(named: segment).members.contains(user)
        var now = from
        for _ in 0..<steps {
            guard let next = try engine(now).nextChange(ofSegment: segment, profile: user) else { return nil }
            #expect(next > now, "a horizon must lie after now")
            let member = try engine(next).segment(named: segment).members.contains(user)
            // Never late: one millisecond before the change, nothing had changed yet.
            #expect(try engine(next - 1).segment(named: segment).members.contains(user) == initial)
            if member != initial { return (next, initial) }
            now = next
        }
        Issue.record("no change within \(steps) horizons")
        return nil
    }

    @Test func aPingLeavesALastWindowFiveSecondsLater() throws {
        var f = Fixture()
        f.track("u", "Ping", at: start)
        f.segment("pinged", #"did("Ping", last 5s)"#)
        let change = try #require(try firstChange(f, "pinged", "u", from: start + 1000))
        #expect(change.wasMember)
        #expect(change.instant == start + 5000)  // (now - 5s, now] excludes the ping from then on
    }

    @Test func notFollowedByEntersExactlyAtTheDeadline() throws {
        var f = Fixture()
        f.track("u", "Cart Viewed", at: start)
        f.track("v", "Cart Viewed", at: start)
        f.track("v", "Order Completed", at: start + 30 * minute)
        f.segment("abandoned", #"not_followed_by("Cart Viewed", "Order Completed", within: 2h)"#)
        let change = try #require(try firstChange(f, "abandoned", "u", from: start + hour))
        #expect(!change.wasMember)
        #expect(change.instant == start + 2 * hour)  // needs a + 2h <= now
        #expect(try firstChange(f, "abandoned", "v", from: start + hour) == nil)  // answered: never
    }

    @Test func daysSinceCrossesItsThresholdOneMillisecondAfterEquality() throws {
        var f = Fixture()
        f.track("u", "Logged In", at: start)
        f.segment("dormant", #"days_since("Logged In") > 30"#)
        let change = try #require(try firstChange(f, "dormant", "u", from: start + 3 * day))
        #expect(!change.wasMember)
        #expect(change.instant == start + 30 * day + 1)  // exactly 30 days is not > 30
    }

    @Test func agoRangesLetEventsInAndOut() throws {
        var f = Fixture()
        f.track("u", "A", at: start)
        f.segment("yesterday", #"count("A", from 2d ago to 1d ago) >= 1"#)
        f.segment("old", #"did("A", before 7d ago)"#)
        let entered = try #require(try firstChange(f, "yesterday", "u", from: start + 12 * hour))
        #expect(!entered.wasMember && entered.instant == start + day)  // t <= now - 1d
        let left = try #require(try firstChange(f, "yesterday", "u", from: start + day))
        #expect(left.wasMember && left.instant == start + 2 * day)  // now - 2d < t no longer holds
        let old = try #require(try firstChange(f, "old", "u", from: start + day))
        #expect(!old.wasMember && old.instant == start + 7 * day)
    }

    @Test func calendarWeeksEndAtLocalMondayMidnight() throws {
        var f = Fixture(zone: try #require(Zone(identifier: "America/New_York")))
        f.track("u", "A", at: t("2026-07-01T15:00:00Z"))  // Wednesday
        f.segment("this-week", #"did("A", this week)"#)
        f.segment("last-week", #"did("A", previous week)"#)
        // Monday 2026-07-06 00:00 in New York (daylight time) is 04:00 UTC.
        let left = try #require(try firstChange(f, "this-week", "u", from: t("2026-07-02T12:00:00Z")))
        #expect(left.wasMember && left.instant == t("2026-07-06T04:00:00Z"))
        let entered = try #require(try firstChange(f, "last-week", "u", from: t("2026-07-02T12:00:00Z")))
        #expect(!entered.wasMember && entered.instant == t("2026-07-06T04:00:00Z"))
        let gone = try #require(try firstChange(f, "last-week", "u", from: t("2026-07-06T04:00:00Z")))
        #expect(gone.wasMember && gone.instant == t("2026-07-13T04:00:00Z"))
    }

    @Test func aSegmentReadingAnotherFlipsAtTheSameInstant() throws {
        var f = Fixture()
        f.track("u", "Ping", at: start)
        f.segment("pinged", #"did("Ping", last 5s)"#)
        f.segment("quiet", #"not segment("pinged")"#)
        let change = try #require(try firstChange(f, "quiet", "u", from: start))
        #expect(!change.wasMember && change.instant == start + 5000)
    }

    @Test func accountsFlipTheirUsersSegments() throws {
        var f = Fixture()
        f.group("u", "acme", at: start - day)
        f.track("u", "A", at: start)
        f.segment("busy-account", #"account.did("A", last 1d)"#)
        let change = try #require(try firstChange(f, "busy-account", "u", from: start + hour))
        #expect(change.wasMember && change.instant == start + day)
    }

    @Test func stepsOfFloorAndScoresWithClamps() throws {
        var f = Fixture()
        f.track("u", "A", at: start)
        f.segment("two-days", #"floor(days_since("A")) >= 2"#)
        f.files["scores/staleness.yaml"] = """
            kind: weighted
            inputs:
              - expr: days_since("A") / 10
                weight: 1
                normalize: clamp
            """
        f.segment("stale", "score.staleness >= 50")
        let floor = try #require(try firstChange(f, "two-days", "u", from: start + hour))
        #expect(!floor.wasMember && floor.instant == start + 2 * day)
        // 100 × clamp(days / 10) reaches 50 at exactly 5 days.
        let stale = try #require(try firstChange(f, "stale", "u", from: start + hour))
        #expect(!stale.wasMember && stale.instant == start + 5 * day)
    }

    /// Only what moves with the clock is looked at for crossings: a step function of a value that does
    /// not move is never due by itself (it was polled every second when the value was missing), while
    /// a computed trait that does move keeps its crossing.
    @Test func valuesThatDoNotMoveWithTimeAreNeverDue() throws {
        var f = Fixture()
        f.track("u", "A", at: start)
        f.identify("u", ["plan": "pro"], at: start)
        f.traits.append(("idle", #"days_since("A")"#))
        f.traits.append(("seats", "trait.seats * 2"))
        f.segment("rounded", "floor(trait.score) >= 3")
        f.segment("many-seats", "computed.seats >= 4 and trait.plan = \"pro\"")
        f.segment("idle", "computed.idle > 3")
        let definitions = try f.definitions()
        let now = start + hour
        let engine = Engine(
            population: f.population(asOf: now, definitions: definitions), definitions: definitions, zone: f.zone,
            now: now, workers: 1)
        #expect(try engine.nextChange(ofSegment: "rounded", profile: "u") == nil)
        #expect(try engine.nextChange(ofSegment: "many-seats", profile: "u") == nil)
        // days_since passes 3 one millisecond after exactly three days: the horizon is no later.
        let due = try #require(try engine.nextChange(ofSegment: "idle", profile: "u"))
        #expect(due > now && due <= start + 3 * day)
        let idle = try #require(try firstChange(f, "idle", "u", from: now))
        #expect(!idle.wasMember && idle.instant == start + 3 * day + 1)
    }

    @Test func productsOfMovingValuesArePolledEverySecond() throws {
        var f = Fixture()
        f.track("u", "A", at: start)
        f.segment("square", #"days_since("A") * days_since("A") >= 4"#)
        let definitions = try f.definitions()
        let from = start + 2 * day - 2500
        let population = f.population(asOf: from, definitions: definitions)
        var now = from
        var polls: [Int64] = []
        while polls.count < 3 {
            let engine = Engine(population: population, definitions: definitions, zone: f.zone, now: now)
            now = try #require(try engine.nextChange(ofSegment: "square", profile: "u"))
            polls.append(now)
        }
        #expect(polls == [from + 1000, from + 2000, from + 3000])
        // The square reaches 4 at exactly 2 days; the poll at 2d + 500 ms sees it, within the second.
        let at = { (now: Int64) in
            try Engine(population: population, definitions: definitions, zone: f.zone, now: now)
                .segment(named: "square").members
        }
        #expect(try at(start + 2 * day - 1) == [])
        #expect(try at(start + 2 * day) == ["u"])
    }

    @Test func membershipsThatOnlyMessagesCanChangeHaveNoHorizon() throws {
        var f = Fixture()
        f.track("u", "A", at: start)
        f.identify("u", ["plan": "pro"], at: start)
        f.segment("ever", #"count("A") >= 1 and trait.plan = "pro""#)
        f.segment("since", #"did("A", since 2026-01-01)"#)
        #expect(try firstChange(f, "ever", "u", from: start + day) == nil)
        #expect(try firstChange(f, "since", "u", from: start + day) == nil)
    }

    @Test func streaksMoveAtTheNextPeriod() throws {
        var f = Fixture()
        f.track("u", "A", times: [start - day, start])
        f.segment("streaky", #"streak(day, did("A")) >= 2"#)
        let engine = try f.engine(asOf: start + hour)
        #expect(try engine.nextChange(ofSegment: "streaky", profile: "u") == start + day)
    }
}
