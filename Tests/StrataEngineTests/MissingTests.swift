import StrataCore
import StrataEngine
import StrataLanguage
import Testing

/// Missing values (LANGUAGE.md §3): never-did profiles, aggregates over nothing, division by zero,
/// mixed types, and `not` over false comparisons.
@Suite struct MissingTests {
    let now = t("2026-07-01T00:00:00Z")

    /// n: identify-only; u: one event with a string property.
    var fixture: Fixture {
        var f = Fixture()
        f.identify("n", ["plan": "free", "seats": 3, "gone": .null], at: now - 3 * day)
        f.track("u", "A", at: now - day, ["x": "text"])
        return f
    }

    @Test(arguments: [
        (#"count("A")"#, Value.number(0)),
        (#"did(any)"#, .bool(false)),
        (#"not did(any)"#, .bool(true)),
        (#"sum("A", x)"#, .number(0)),
        (#"count_distinct("A", x)"#, .number(0)),
        (#"active_days(any)"#, .number(0)),
        (#"avg("A", x)"#, .missing),
        (#"min("A", x)"#, .missing),
        (#"max("A", x)"#, .missing),
        (#"first_time("A")"#, .missing),
        (#"last_time("A")"#, .missing),
        (#"days_since("A")"#, .missing),
        (#"days_since_first(any)"#, .missing),
        (#"avg_gap("A")"#, .missing),
        (#"top("A", x)"#, .missing),
        (#"top_share("A", x)"#, .missing),
        (#"share("A", of: "B")"#, .missing),
        (#"funnel("A", "B", within: 1d)"#, .number(0)),
        ("first_seen", .missing),
        ("last_seen", .missing),
        ("days_between(first_seen, now)", .missing),
        (#"avg("A", x) + 1"#, .missing),
        (#"avg("A", x) > 0"#, .bool(false)),
        (#"avg("A", x) <= 0"#, .bool(false)),
        (#"not (avg("A", x) > 0)"#, .bool(true)),
        (#"avg("A", x) != 1"#, .bool(false)),
        (#"avg("A", x) = avg("A", x)"#, .bool(false)),
        (#"count(any) / 0"#, .missing),
        (#"(count(any) / 0) = 0"#, .bool(false)),
        (#"not ((count(any) / 0) = 0)"#, .bool(true)),
        (#"exists(avg("A", x))"#, .bool(false)),
        (#"coalesce(avg("A", x), days_since("A"), 5)"#, .number(5)),
        ("trait.plan", .string("free")),
        ("trait.gone", .missing),
        ("exists(trait.gone)", .bool(false)),
        ("trait.missing_one = 1", .bool(false)),
        ("trait.missing_one != 1", .bool(false)),
        ("not (trait.missing_one = 1)", .bool(true)),
        ("trait.plan > 3", .bool(false)),
        ("trait.plan = 3", .bool(false)),
        ("trait.plan != 3", .bool(false)),
        ("trait.seats + 1", .number(4)),
        ("trait.plan + 1", .missing),
        ("trait.seats between 1 and 5", .bool(true)),
        ("trait.plan between 1 and 5", .bool(false)),
        (#"trait.plan in ["pro", "free"]"#, .bool(true)),
        ("trait.missing_one in [1, 2]", .bool(false)),
        (#"least(trait.seats, avg("A", x))"#, .missing),
        (#"round(avg("A", x))"#, .missing),
        (#"percentile(avg("A", x))"#, .missing),
    ])
    func neverDid(_ expression: String, _ expected: Value) throws {
        #expect(try fixture.value(expression, for: "n", asOf: now) == expected)
    }

    @Test(arguments: [
        (#"sum("A", x)"#, Value.number(0)),
        (#"avg("A", x)"#, .missing),
        (#"count_distinct("A", x)"#, .number(1)),
        (#"top("A", x)"#, .string("text")),
        (#"count("A" where x > 1)"#, .number(0)),
        (#"count("A" where not (x > 1))"#, .number(1)),
        (#"count("A" where x = "text")"#, .number(1)),
        (#"count("A" where x != 1)"#, .number(0)),
        (#"count("A" where y = 1)"#, .number(0)),
        (#"count("A" where not (y = 1))"#, .number(1)),
        (#"count("A" where y != 1)"#, .number(0)),
        (#"count("A" where x contains "ex")"#, .number(1)),
        (#"avg_gap("A")"#, .missing),
    ])
    func stringProperty(_ expression: String, _ expected: Value) throws {
        #expect(try fixture.value(expression, for: "u", asOf: now) == expected)
    }

    @Test func identifyOnlyProfilesCountInThePopulation() throws {
        var f = fixture
        f.segment("never-did-a", #"not did("A")"#)
        #expect(try f.members("never-did-a", asOf: now) == ["n"])
        let engine = try f.engine(asOf: now)
        #expect(engine.population.users.count == 2)
    }
}
