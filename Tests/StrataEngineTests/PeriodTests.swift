import StrataCore
import StrataEngine
import StrataLanguage
import Testing

/// `streak` and `count_periods` (LANGUAGE.md §6, §8).
@Suite struct PeriodTests {
    /// Wednesday 2026-07-01 12:00 UTC.
    let now = t("2026-07-01T12:00:00Z")
    let today = t("2026-07-01T00:00:00Z")

    @Test func dailyStreakCountsTheCurrentDayWhenItHolds() throws {
        var f = Fixture()
        f.track("u", "Lesson Completed", times: [today + hour, today - day, today - 2 * day, today - 4 * day])
        f.track("v", "Lesson Completed", times: [today - day + hour, today - 2 * day, today - 3 * day])
        f.track("w", "Lesson Completed", times: [today - 2 * day])
        #expect(try f.value(#"streak(day, did("Lesson Completed"))"#, for: "u", asOf: now) == .number(3))
        // Nothing yet today: counting starts with yesterday.
        #expect(try f.value(#"streak(day, did("Lesson Completed"))"#, for: "v", asOf: now) == .number(3))
        // Neither today nor yesterday.
        #expect(try f.value(#"streak(day, did("Lesson Completed"))"#, for: "w", asOf: now) == .number(0))
    }

    @Test func streakNeverGoesPastThePeriodHoldingFirstSeen() throws {
        var f = Fixture()
        f.track("u", "Signed Up", at: today - 5 * day + 3 * hour)
        f.identify("n", at: today - 9 * day)
        // Days -5 ... 0 (today): six periods where the condition holds.
        #expect(try f.value(#"streak(day, not did("X"))"#, for: "u", asOf: now) == .number(6))
        #expect(try f.value(#"streak(week, not did("X"))"#, for: "u", asOf: now) == .number(2))
        // No first_seen: nothing to count.
        #expect(try f.value(#"streak(day, not did("X"))"#, for: "n", asOf: now) == .number(0))
    }

    @Test func weeklyStreakWithACount() throws {
        // Weeks: this [06-29, now], previous [06-22, 06-29), [06-15, 06-22), [06-08, 06-15).
        var f = Fixture()
        let monday = t("2026-06-29T00:00:00Z")
        for week in 1...3 {
            let start = monday - Int64(week) * 7 * day
            f.track("u", "Workout Completed", times: (0..<5).map { start + Int64($0) * day })
        }
        f.track("u", "Workout Completed", times: [monday + hour])  // this week: only 1 so far
        #expect(try f.value(#"streak(week, count("Workout Completed") >= 5)"#, for: "u", asOf: now) == .number(3))
        #expect(try f.value(#"streak(week, count("Workout Completed") >= 1)"#, for: "u", asOf: now) == .number(4))
    }

    @Test func countPeriodsIncludesTheCurrentPeriod() throws {
        var f = Fixture()
        let monday = t("2026-06-29T00:00:00Z")
        f.track("u", "Workout Completed", times: [monday, monday + hour])  // this week: 2
        f.track("u", "Workout Completed", times: [monday - 7 * day, monday - 6 * day, monday - 1])  // previous: 3
        f.track("u", "Workout Completed", times: [monday - 14 * day])  // 2 weeks back: 1
        f.track("u", "Workout Completed", times: (0..<4).map { monday - 21 * day + Int64($0) })  // 3 back: 4
        f.track("u", "Workout Completed", times: [monday - 28 * day, monday - 27 * day])  // 4 back: outside N
        let expression = #"count_periods(week, count("Workout Completed") between 2 and 3, 4)"#
        #expect(try f.value(expression, for: "u", asOf: now) == .number(2))
        #expect(
            try f.value(#"count_periods(week, count("Workout Completed") between 2 and 3, 5)"#, for: "u", asOf: now)
                == .number(3))
        #expect(try f.value(#"count_periods(month, did(any), 3)"#, for: "u", asOf: now) == .number(1))
        #expect(try f.value(#"count_periods(day, not did(any), 3)"#, for: "u", asOf: now) == .number(2))
    }
}
