import StrataCore
import StrataEngine
import StrataLanguage
import Testing

/// `$weekday`, `$hour`, active days and periods in a non-UTC workspace time zone.
@Suite struct TimezoneTests {
    let now = t("2026-07-01T12:00:00Z")

    @Test func weekdayAndHourAreLocal() throws {
        var f = Fixture(zone: try #require(Zone(identifier: "America/New_York")))
        // 2026-06-28T02:00Z is Saturday 22:00 in New York (UTC-4), Sunday in UTC.
        f.track("u", "Workout Completed", at: t("2026-06-28T02:00:00Z"))
        // 2026-06-29T03:30Z is Sunday 23:30 in New York.
        f.track("u", "Workout Completed", at: t("2026-06-29T03:30:00Z"))
        // 2026-06-29T04:00Z is Monday 00:00 in New York.
        f.track("u", "Workout Completed", at: t("2026-06-29T04:00:00Z"))
        let values = try f.values(
            [
                #"count("Workout Completed" where $weekday = "sat")"#,
                #"count("Workout Completed" where $weekday in ["sat", "sun"])"#,
                #"count("Workout Completed" where $hour >= 22)"#,
                #"count("Workout Completed" where $hour = 0)"#,
                #"top("Workout Completed", $weekday)"#,
                #"count_distinct("Workout Completed", $weekday)"#,
                #"sum("Workout Completed", $hour)"#,
                #"active_days("Workout Completed")"#,
            ], for: "u", asOf: now)
        #expect(
            values == [
                .number(1), .number(2), .number(2), .number(1), .string("mon"), .number(3), .number(45), .number(3),
            ])
    }

    @Test func daylightSavingDoesNotShiftLocalDays() throws {
        // Europe/Berlin switched to summer time on 2026-03-29 at 01:00Z.
        var f = Fixture(zone: try #require(Zone(identifier: "Europe/Berlin")))
        f.track("u", "A", at: t("2026-03-28T23:30:00Z"))  // 03-29 00:30 local (UTC+1)
        f.track("u", "A", at: t("2026-03-29T21:59:00Z"))  // 03-29 23:59 local (UTC+2)
        f.track("u", "A", at: t("2026-03-29T22:00:00Z"))  // 03-30 00:00 local
        let values = try f.values(
            [#"active_days("A")"#, #"count("A" where $hour = 0)"#, #"count("A", since 2026-03-30)"#], for: "u",
            asOf: now)
        #expect(values == [.number(2), .number(2), .number(1)])
    }

    @Test func streakOfWeeksInTokyo() throws {
        // now = Wednesday 2026-07-01 21:00 in Tokyo; weeks start Monday 00:00 local (Sunday 15:00Z).
        var f = Fixture(zone: try #require(Zone(identifier: "Asia/Tokyo")))
        f.track("u", "A", at: t("2026-06-28T15:00:00Z"))  // Monday 06-29 00:00 local: this week
        f.track("u", "A", at: t("2026-06-28T14:59:00Z"))  // Sunday 06-28 23:59 local: previous week
        f.track("u", "A", at: t("2026-06-16T00:00:00Z"))  // two weeks back
        f.track("v", "A", at: t("2026-06-28T14:59:00Z"))  // only the previous week (UTC would say this week)
        #expect(try f.value("streak(week, did(any))", for: "u", asOf: now) == .number(3))
        #expect(try f.value("streak(week, did(any))", for: "v", asOf: now) == .number(1))
        #expect(try f.value(#"did("A", this week)"#, for: "v", asOf: now) == .bool(false))
    }
}
