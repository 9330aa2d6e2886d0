import StrataCore
import StrataEngine
import StrataLanguage
import Testing

/// Every event function of LANGUAGE.md §6 on one hand-built timeline.
@Suite struct FunctionTests {
    let now = t("2026-07-01T00:00:00Z")

    /// u: five orders (revenue 50, 30, "n/a", absent, 20; category shoes, bags, shoes, -, bags),
    /// plus two logins.
    var fixture: Fixture {
        var f = Fixture()
        f.track("u", "Order Completed", at: now - 100 * day, ["revenue": 50, "category": "shoes"])
        f.track("u", "Order Completed", at: now - 40 * day, ["revenue": 30, "category": "bags"])
        f.track("u", "Order Completed", at: now - 10 * day, ["revenue": "n/a", "category": "shoes"])
        f.track("u", "Order Completed", at: now - 5 * day, [:])
        f.track("u", "Order Completed", at: now - 1 * day, ["revenue": 20, "category": "bags"])
        f.track("u", "Logged In", at: now - 5 * day + hour)
        f.track("u", "Logged In", at: now - 2 * day)
        f.identify("n", ["plan": "free"], at: now - 3 * day)
        return f
    }

    @Test(arguments: [
        (#"count("Order Completed")"#, Value.number(5)),
        (#"count(any)"#, .number(7)),
        (#"count(("Order Completed" or "Logged In"), last 3d)"#, .number(2)),
        (#"did("Order Completed", last 2d)"#, .bool(true)),
        (#"did("Nope")"#, .bool(false)),
        (#"count_distinct("Order Completed", category)"#, .number(2)),
        (#"count_distinct(any, $name)"#, .number(2)),
        (#"sum("Order Completed", revenue)"#, .number(100)),
        (#"sum("Order Completed", revenue, last 60d)"#, .number(50)),
        (#"avg("Order Completed", revenue)"#, .number(100.0 / 3.0)),
        (#"min("Order Completed", revenue)"#, .number(20)),
        (#"max("Order Completed", revenue)"#, .number(50)),
        (#"days_since("Order Completed")"#, .number(1)),
        (#"days_since_first("Order Completed")"#, .number(100)),
        (#"days_since("Logged In")"#, .number(2)),
        (#"active_days(any)"#, .number(6)),
        (#"active_days("Order Completed", last 7d)"#, .number(2)),
        (#"avg_gap("Order Completed")"#, .number(99.0 / 4.0)),
        (#"share("Order Completed" where revenue > 25, of: "Order Completed")"#, .number(0.4)),
        (#"share("Logged In", of: any, last 3d)"#, .number(0.5)),
        (#"top("Order Completed", category)"#, .string("bags")),
        (#"top_share("Order Completed", category)"#, .number(0.5)),
        (#"top("Order Completed", category, last 50d)"#, .string("bags")),
        (#"top_share("Order Completed", category, last 50d)"#, .number(2.0 / 3.0)),
        (#"top(any, $name)"#, .string("Order Completed")),
        (#"count("Order Completed" where category in ["shoes", "hats"])"#, .number(2)),
        (#"count("Order Completed" where not (revenue > 25))"#, .number(3)),
        (#"count("Order Completed" where revenue != 30)"#, .number(2)),
        (#"count("Order Completed" where exists(revenue))"#, .number(4)),
        (#"count(any where $name = "Logged In")"#, .number(2)),
    ])
    func aggregate(_ expression: String, _ expected: Value) throws {
        #expect(try fixture.value(expression, for: "u", asOf: now) == expected)
    }

    /// Equal arrays and objects are one value: three tagged events, two with the same tags.
    @Test func equalArraysAndObjectsAreOneValue() throws {
        var f = Fixture()
        f.track("u", "Tagged", at: now - 3 * day, ["tags": .array(["a", "b"]), "meta": .object(["k": 1])])
        f.track("u", "Tagged", at: now - 2 * day, ["tags": .array(["a", "b"]), "meta": .object(["k": 1])])
        f.track("u", "Tagged", at: now - 1 * day, ["tags": .array(["b", "a"]), "meta": .object(["k": 2])])
        #expect(try f.value(#"count_distinct("Tagged", tags)"#, for: "u", asOf: now) == .number(2))
        #expect(try f.value(#"count_distinct("Tagged", meta)"#, for: "u", asOf: now) == .number(2))
        #expect(try f.value(#"top_share("Tagged", tags)"#, for: "u", asOf: now) == .number(2.0 / 3.0))
    }

    @Test func timestamps() throws {
        let values = try fixture.values(
            [#"first_time("Order Completed")"#, #"last_time("Order Completed")"#, "first_seen", "last_seen"],
            for: "u", asOf: now)
        #expect(values == [.time(now - 100 * day), .time(now - day), .time(now - 100 * day), .time(now - day)])
    }

    @Test(arguments: [
        (#"days_between(first_seen, last_seen)"#, Value.number(99)),
        (#"days_between(last_seen, first_seen)"#, .number(-99)),
        (#"least(count(any), 3, 9)"#, .number(3)),
        (#"greatest(count(any), 3, 9)"#, .number(9)),
        (#"abs(0 - count(any))"#, .number(7)),
        (#"round(avg("Order Completed", revenue), 2)"#, .number(33.33)),
        (#"round(2.5)"#, .number(3)),
        (#"round(0 - 2.5)"#, .number(-3)),
        (#"floor(avg("Order Completed", revenue))"#, .number(33)),
        (#"coalesce(avg("Nope", revenue), 7)"#, .number(7)),
        (#"exists(trait.plan)"#, .bool(false)),
        (#"now - last_seen"#, .duration(day)),
        (#"last_seen + 1d = now"#, .bool(true)),
        (#"first_seen < 2026-03-23"#, .bool(false)),
        (#"first_seen <= 2026-03-23"#, .bool(true)),
        (#"first_seen > 2026-03-22"#, .bool(true)),
        (#"first_seen = 2026-03-23T00:00:00Z"#, .bool(true)),
        (#"(now - first_seen) / 1d"#, .number(100)),
        (#"count(any) between 7 and 7"#, .bool(true)),
        (#"count(any) in [1, 7]"#, .bool(true)),
        (#"top("Order Completed", category) contains "ag""#, .bool(true)),
        (#"top("Order Completed", category) contains "AG""#, .bool(false)),
    ])
    func values(_ expression: String, _ expected: Value) throws {
        #expect(try fixture.value(expression, for: "u", asOf: now) == expected)
    }

    @Test func nestedPropertyPathsAndBacktickNames() throws {
        var f = Fixture()
        f.track("u", "A", at: now - day, ["cart": .object(["total": 12]), "Plan Name": "Pro"])
        f.track("u", "A", at: now - day, ["cart": .object(["total": "x"])])
        f.track("u", "A", at: now - day, ["tags": .array(["red", "blue"])])
        let values = try f.values(
            [
                #"sum("A", cart.total)"#, #"count("A" where `Plan Name` = "Pro")"#,
                #"count("A" where tags contains "blue")"#, #"count("A" where tags contains "blu")"#,
            ], for: "u", asOf: now)
        #expect(values == [.number(12), .number(1), .number(1), .number(0)])
    }

    @Test func followedByWithinIsInclusiveAndStrictlyAfter() throws {
        var f = Fixture()
        // a: added at now-20h, ordered exactly 2h later.
        f.track("a", "Product Added", at: now - 20 * hour)
        f.track("a", "Order Completed", at: now - 18 * hour)
        // b: ordered 2h + 1 ms later: too late.
        f.track("b", "Product Added", at: now - 20 * hour)
        f.track("b", "Order Completed", at: now - 18 * hour + 1)
        // c: order at the same instant does not follow.
        f.track("c", "Product Added", at: now - 20 * hour)
        f.track("c", "Order Completed", at: now - 20 * hour)
        // d: the add is outside the window, the order inside: nothing.
        f.track("d", "Product Added", at: now - 25 * hour)
        f.track("d", "Order Completed", at: now - 24 * hour)
        // e: the add inside the window, the order after an unrelated earlier add.
        f.track("e", "Product Added", at: now - 30 * hour)
        f.track("e", "Product Added", at: now - 3 * hour)
        f.track("e", "Order Completed", at: now - 2 * hour)
        let expression = #"followed_by("Product Added", "Order Completed", within: 2h, last 1d)"#
        for (id, expected) in [("a", true), ("b", false), ("c", false), ("d", false), ("e", true)] {
            #expect(try f.value(expression, for: id, asOf: now) == .bool(expected), "\(id)")
        }
    }

    @Test func notFollowedByNeedsTheWholeWithinBeforeNow() throws {
        var f = Fixture()
        f.track("a", "Product Added", at: now - 2 * hour)  // a + 2h = now: considered, no order
        f.track("b", "Product Added", at: now - 2 * hour + 1)  // a + 2h > now: not yet
        f.track("c", "Product Added", at: now - 5 * hour)
        f.track("c", "Order Completed", at: now - 4 * hour)  // followed
        f.track("d", "Product Added", at: now - 5 * hour)
        f.track("d", "Order Completed", at: now - 3 * hour + 1)  // 2h + 1ms: too late, so abandoned
        f.track("e", "Product Added", at: now - 6 * hour)
        f.track("e", "Order Completed", at: now - 5 * hour)
        f.track("e", "Product Added", at: now - 4 * hour)  // the second add is abandoned
        let expression = #"not_followed_by("Product Added", "Order Completed", within: 2h, last 1d)"#
        for (id, expected) in [("a", true), ("b", false), ("c", false), ("d", true), ("e", true)] {
            #expect(try f.value(expression, for: id, asOf: now) == .bool(expected), "\(id)")
        }
    }

    @Test func funnelCountsStepsInOrderWithinTheLimit() throws {
        var f = Fixture()
        let t0 = now - 10 * day
        f.track("u", "A", at: t0)
        f.track("u", "B", at: t0 + hour)
        f.track("u", "C", at: t0 + 2 * day)  // too late for this start: 2 steps
        f.track("v", "B", at: t0)  // B before A does not count
        f.track("v", "A", at: t0 + hour)
        f.track("w", "A", at: t0)
        f.track("w", "B", at: t0 + hour)
        f.track("w", "C", at: t0 + day)  // exactly within 1d: 3 steps
        f.track("x", "B", at: t0)
        let expression = #"funnel("A", "B", "C", within: 1d)"#
        for (id, expected) in [("u", 2.0), ("v", 1.0), ("w", 3.0), ("x", 0.0)] {
            #expect(try f.value(expression, for: id, asOf: now) == .number(expected), "\(id)")
        }
    }
}
