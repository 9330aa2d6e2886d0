import StrataCore
import StrataLanguage
import Testing

@Suite("Windows")
struct WindowTests {
    static let trialStarted = EventSelector(names: ["Trial Started"])

    static let windows: [(String, Window)] = [
        ("", .allTime),
        (", last 7d", .last(7 * day)),
        (", last 15m", .last(900_000)),
        (", from 60d ago to 30d ago", .between(agoFrom: 60 * day, agoTo: 30 * day)),
        (", before 30d ago", .before(ago: 30 * day)),
        (", since 2026-01-01", .since(.date(DateLiteral(year: 2026, month: 1, day: 1)))),
        (", since 2026-11-01T10:00:00Z", .since(.instant(milliseconds: 1_793_527_200_000))),
        (
            ", from 2025-11-20 to 2025-12-02",
            .absolute(
                from: .date(DateLiteral(year: 2025, month: 11, day: 20)),
                to: .date(DateLiteral(year: 2025, month: 12, day: 2)))
        ),
        // Empty only where a day starts more than 12 hours before its UTC midnight: left to the run.
        (
            ", from 2026-02-01 to 2026-01-31T12:00:00Z",
            .absolute(
                from: .date(DateLiteral(year: 2026, month: 2, day: 1)), to: .instant(milliseconds: 1_769_860_800_000))
        ),
        (", this day", .calendar(.this, .day)),
        (", this week", .calendar(.this, .week)),
        (", this month", .calendar(.this, .month)),
        (", this year", .calendar(.this, .year)),
        (", previous day", .calendar(.previous, .day)),
        (", previous week", .calendar(.previous, .week)),
        (", previous month", .calendar(.previous, .month)),
        (", previous year", .calendar(.previous, .year)),
        (", first 7d", .first(7 * day, anchor: .firstSeen)),
        (", first 7d after \"Trial Started\"", .first(7 * day, anchor: .firstEvent(trialStarted))),
        (", from 7d to 14d after first_seen", .relative(from: 7 * day, to: 14 * day, anchor: .firstSeen)),
        (
            ", from 7d to 14d after \"Trial Started\"",
            .relative(from: 7 * day, to: 14 * day, anchor: .firstEvent(trialStarted))
        ),
        (
            ", first 1d after (\"A\" or \"B\")",
            .first(day, anchor: .firstEvent(EventSelector(names: ["A", "B"])))
        ),
    ]

    @Test("each window resolves", arguments: windows)
    func resolves(window: String, expected: Window) throws {
        let result = check("count(\"A\"\(window)) > 0")
        #expect(result.diagnostics.isEmpty)
        #expect(firstWindow(result.expression) == expected)
    }

    @Test func nextIsAllowedInLabels() {
        let result = check("did(\"Subscription Cancelled\", next 30d)", role: .modelLabel)
        #expect(result.diagnostics.isEmpty)
        #expect(firstWindow(result.expression) == .next(30 * day))
    }

    @Test func eventFunctionsInsideStreakReadThePeriod() {
        let result = check("streak(week, count(\"Workout Completed\") >= 5) >= 3")
        #expect(result.diagnostics.isEmpty)
        #expect(firstWindow(result.expression) == .period)
        guard case .comparison(.greaterEqual, let streak, _)? = result.expression?.node,
            case .streak(let unit, _) = streak.node
        else {
            Issue.record("expected streak(...) >= 3, got \(String(describing: result.expression))")
            return
        }
        #expect(unit == .week)
    }

    @Test func anchorWithWhere() {
        let result = check("did(\"A\", first 7d after \"Trial Started\" where plan = \"pro\")")
        #expect(result.diagnostics.isEmpty)
        guard case .first(let ms, .firstEvent(let selector))? = firstWindow(result.expression) else {
            Issue.record("expected a first window with an event anchor")
            return
        }
        #expect(ms == 7 * day)
        #expect(selector.names == ["Trial Started"])
        guard case .comparison(.equal, let property, let value)? = selector.condition?.node else {
            Issue.record("expected plan = \"pro\"")
            return
        }
        #expect(property.node == .property(["plan"]))
        #expect(value.node == .literal(.string("pro")))
    }

    static let invalid: [(String, String)] = [
        ("count(\"A\", last 0d) > 0", "1:12: error: a window needs a positive duration"),
        (
            "count(\"A\", from 30d ago to 60d ago) > 0",
            "1:12: error: this window is empty: the first duration must be further in the past than the second "
                + "(e.g. `from 60d ago to 30d ago`)"
        ),
        (
            "count(\"A\", from 2026-02-01 to 2026-01-01) > 0",
            "1:12: error: this window is empty: `from` must be before `to`"
        ),
        // A date against an instant: empty in every time zone (a date starts between 14 hours before and
        // 12 hours after its midnight in UTC).
        (
            "count(\"A\", from 2026-02-01 to 2026-01-31T09:00:00Z) > 0",
            "1:12: error: this window is empty: `from` must be before `to`"
        ),
        (
            "count(\"A\", from 2026-02-01T13:00:00Z to 2026-02-01) > 0",
            "1:12: error: this window is empty: `from` must be before `to`"
        ),
        (
            "count(\"A\", from 14d to 7d after first_seen) > 0",
            "1:12: error: this window is empty: the second duration must be longer than the first "
                + "(e.g. `from 7d to 14d after first_seen`)"
        ),
        ("segment(\"paying\", last 7d)", "1:19: error: `segment` takes no window"),
        ("count(\"A\", last 7d, \"B\") > 0", "1:12: error: a window must be the last argument of `count`"),
    ]

    @Test("malformed windows", arguments: invalid)
    func malformed(text: String, expected: String) {
        #expect(onlyDiagnostic(check(text)) == expected)
    }
}
