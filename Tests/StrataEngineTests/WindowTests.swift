import StrataCore
import StrataEngine
import StrataLanguage
import Testing

/// Window boundaries (LANGUAGE.md §5): every window at its exact edges.
@Suite struct WindowTests {
    let now = t("2026-07-01T00:00:00Z")

    @Test func lastWindowExcludesItsStartAndIncludesNow() throws {
        var f = Fixture()
        f.track("u", "A", at: now - 30 * day)  // exactly now - 30d: outside
        f.track("u", "A", at: now - 30 * day + 1)  // 1 ms later: inside
        f.track("u", "A", at: now)  // exactly now: inside
        f.track("u", "A", at: now + 1)  // after now: ignored
        #expect(try f.value(#"count("A", last 30d)"#, for: "u", asOf: now) == .number(2))
        #expect(try f.value(#"count("A")"#, for: "u", asOf: now) == .number(3))
    }

    @Test func agoRangeIsOpenAtTheFarEndAndClosedAtTheNearEnd() throws {
        var f = Fixture()
        f.track("u", "A", at: now - 60 * day)  // outside
        f.track("u", "A", at: now - 60 * day + 1)  // inside
        f.track("u", "A", at: now - 30 * day)  // inside (t <= now - 30d)
        f.track("u", "A", at: now - 30 * day + 1)  // outside
        #expect(try f.value(#"count("A", from 60d ago to 30d ago)"#, for: "u", asOf: now) == .number(2))
    }

    @Test func beforeIncludesItsEdge() throws {
        var f = Fixture()
        f.track("u", "A", at: now - 7 * day)
        f.track("u", "A", at: now - 7 * day + 1)
        #expect(try f.value(#"count("A", before 7d ago)"#, for: "u", asOf: now) == .number(1))
    }

    @Test func sinceStartsAtLocalMidnightOfTheDate() throws {
        var f = Fixture(zone: try #require(Zone(identifier: "America/New_York")))
        // 2026-06-01 00:00 in New York is 04:00 UTC (daylight time).
        f.track("u", "A", at: t("2026-06-01T03:59:59.999Z"))
        f.track("u", "A", at: t("2026-06-01T04:00:00Z"))
        f.track("u", "A", at: now)
        #expect(try f.value(#"count("A", since 2026-06-01)"#, for: "u", asOf: now) == .number(2))
    }

    @Test func absoluteRangeIncludesFromAndExcludesTo() throws {
        var f = Fixture()
        f.track("u", "A", at: t("2025-11-20T00:00:00Z"))  // inside
        f.track("u", "A", at: t("2025-12-01T23:59:59.999Z"))  // inside
        f.track("u", "A", at: t("2025-12-02T00:00:00Z"))  // outside
        f.track("u", "A", at: t("2025-11-19T23:59:59.999Z"))  // outside
        #expect(try f.value(#"count("A", from 2025-11-20 to 2025-12-02)"#, for: "u", asOf: now) == .number(2))
    }

    @Test func thisAndPreviousCalendarPeriodsInUTC() throws {
        // now = Wednesday 2026-07-01 00:00 UTC; this week started Monday 2026-06-29.
        let now = t("2026-07-01T12:00:00Z")
        var f = Fixture()
        f.track("u", "A", at: t("2026-06-29T00:00:00Z"))  // this week, previous month
        f.track("u", "A", at: t("2026-06-28T23:59:59.999Z"))  // previous week
        f.track("u", "A", at: t("2026-06-22T00:00:00Z"))  // previous week (its first instant)
        f.track("u", "A", at: t("2026-06-21T23:59:59.999Z"))  // two weeks ago
        f.track("u", "A", at: t("2026-07-01T00:00:00Z"))  // this day, this month
        f.track("u", "A", at: t("2026-06-30T23:59:59.999Z"))  // previous day
        f.track("u", "A", at: t("2026-01-01T00:00:00Z"))  // this year
        f.track("u", "A", at: t("2025-12-31T23:59:59.999Z"))  // previous year
        let values = try f.values(
            [
                #"count("A", this day)"#, #"count("A", previous day)"#, #"count("A", this week)"#,
                #"count("A", previous week)"#, #"count("A", this month)"#, #"count("A", previous month)"#,
                #"count("A", this year)"#, #"count("A", previous year)"#,
            ], for: "u", asOf: now)
        #expect(
            values == [.number(1), .number(1), .number(3), .number(2), .number(1), .number(5), .number(7), .number(1)])
    }

    @Test func calendarPeriodsFollowTheWorkspaceZone() throws {
        // In Tokyo (UTC+9), now = 2026-07-01T12:00Z is Wednesday 21:00 local; the local day began
        // at 2026-06-30T15:00Z and the week on Monday 2026-06-29 00:00 local = 2026-06-28T15:00Z.
        let now = t("2026-07-01T12:00:00Z")
        var f = Fixture(zone: try #require(Zone(identifier: "Asia/Tokyo")))
        f.track("u", "A", at: t("2026-06-30T15:00:00Z"))  // this day (local 07-01 00:00)
        f.track("u", "A", at: t("2026-06-30T14:59:59.999Z"))  // previous day
        f.track("u", "A", at: t("2026-06-28T15:00:00Z"))  // this week
        f.track("u", "A", at: t("2026-06-28T14:59:59.999Z"))  // previous week
        let values = try f.values(
            [
                #"count("A", this day)"#, #"count("A", previous day)"#, #"count("A", this week)"#,
                #"count("A", previous week)"#,
            ],
            for: "u", asOf: now)
        #expect(values == [.number(1), .number(1), .number(3), .number(1)])
    }

    @Test func firstWindowIsAnchoredAtFirstSeen() throws {
        var f = Fixture()
        let start = t("2026-06-01T10:00:00Z")
        f.track("u", "Signed Up", at: start)
        f.track("u", "A", at: start)  // inside (first_seen <= t)
        f.track("u", "A", at: start + 7 * day - 1)  // inside
        f.track("u", "A", at: start + 7 * day)  // outside (t < first_seen + 7d)
        #expect(try f.value(#"count("A", first 7d)"#, for: "u", asOf: now) == .number(2))
    }

    @Test func firstWindowAfterAnEventIsAnchoredAtItsFirstOccurrence() throws {
        var f = Fixture()
        let trial = t("2026-06-10T00:00:00Z")
        f.track("u", "A", at: trial - 1)  // before the anchor
        f.track("u", "Trial Started", at: trial)
        f.track("u", "Trial Started", at: trial + 2 * day)  // later occurrences do not move the anchor
        f.track("u", "A", at: trial + 3 * day - 1)  // inside
        f.track("u", "A", at: trial + 3 * day)  // outside
        f.track("v", "A", at: trial)  // no anchor: empty
        #expect(try f.value(#"count("A", first 3d after "Trial Started")"#, for: "u", asOf: now) == .number(1))
        #expect(try f.value(#"count("A", first 3d after "Trial Started")"#, for: "v", asOf: now) == .number(0))
    }

    @Test func relativeWindowAfterFirstSeen() throws {
        var f = Fixture()
        let start = t("2026-06-01T00:00:00Z")
        f.track("u", "A", at: start)
        f.track("u", "A", at: start + 7 * day - 1)  // outside
        f.track("u", "A", at: start + 7 * day)  // inside (anchor + 7d <= t)
        f.track("u", "A", at: start + 14 * day - 1)  // inside
        f.track("u", "A", at: start + 14 * day)  // outside (t < anchor + 14d)
        #expect(try f.value(#"count("A", from 7d to 14d after first_seen)"#, for: "u", asOf: now) == .number(2))
    }

    @Test func relativeWindowAfterAnEvent() throws {
        var f = Fixture()
        let paid = t("2026-06-01T12:00:00Z")
        f.track("u", "A", at: paid - day)
        f.track("u", "Paid", at: paid)
        f.track("u", "A", at: paid + 2 * day - 1)  // outside
        f.track("u", "A", at: paid + 2 * day)  // inside
        f.track("u", "A", at: paid + 5 * day - 1)  // inside
        f.track("u", "A", at: paid + 5 * day)  // outside
        f.track("v", "A", at: paid + 3 * day)  // never paid: empty
        let expression = #"count("A", from 2d to 5d after "Paid")"#
        #expect(try f.value(expression, for: "u", asOf: now) == .number(2))
        #expect(try f.value(expression, for: "v", asOf: now) == .number(0))
        // The window is clipped at now: an anchor 1 day ago leaves [anchor + 2d, ...) in the future.
        f.track("w", "Paid", at: now - day)
        f.track("w", "A", at: now)
        #expect(try f.value(expression, for: "w", asOf: now) == .number(0))
    }

    @Test func firstWindowIsEmptyWithoutEvents() throws {
        var f = Fixture()
        f.identify("u", ["plan": "free"], at: now - day)
        #expect(try f.value(#"count(any, first 7d)"#, for: "u", asOf: now) == .number(0))
        #expect(try f.value(#"did(any, first 7d)"#, for: "u", asOf: now) == .bool(false))
    }
}
