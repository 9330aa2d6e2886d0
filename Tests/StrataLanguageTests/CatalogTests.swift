import StrataLanguage
import Testing

@Suite("Catalog")
struct CatalogTests {
    @Test("every catalog definition parses and checks", arguments: catalog.map { $0.name })
    func checks(name: String) throws {
        let entry = try #require(catalog.first { $0.name == name })
        let parsed = Parser.parse(entry.where)
        #expect(parsed.diagnostics.isEmpty)
        let result = check(entry.where, scope: entry.of)
        #expect(result.diagnostics.map(\.description) == [])
        let expression = try #require(result.expression)
        #expect(expression.type == .bool)
    }

    @Test func catalogHasEveryDefinition() {
        #expect(catalog.count == 42)
    }

    @Test func atRiskUsersLowersToTheExpectedPlan() throws {
        let entry = try #require(catalog.first { $0.name == "feature-abandoners" })
        let plan = try #require(check(entry.where).expression)
        guard case .and(let left, let right) = plan.node,
            case .aggregate(let did) = left.node,
            case .not(let negated) = right.node,
            case .aggregate(let recent) = negated.node
        else {
            Issue.record("unexpected plan \(plan)")
            return
        }
        #expect(did.function == .did)
        #expect(did.selector == EventSelector(names: ["Report Run"]))
        #expect(did.window == .before(ago: 7 * day))
        #expect(recent.window == .last(7 * day))
    }

    @Test func weekendWarriorsShareAndPeriods() throws {
        let entry = try #require(catalog.first { $0.name == "weekend-warriors" })
        let plan = try #require(check(entry.where).expression)
        guard case .and(let periods, let share) = plan.node,
            case .comparison(.equal, let countPeriods, _) = periods.node,
            case .countPeriods(.week, let condition, periods: 4) = countPeriods.node,
            case .between = condition.node,
            case .comparison(.equal, let shareValue, _) = share.node,
            case .share(let selector, let of, let window) = shareValue.node
        else {
            Issue.record("unexpected plan \(plan)")
            return
        }
        #expect(selector.names == ["Workout Completed"])
        guard case .inList(let field, let items)? = selector.condition?.node else {
            Issue.record("expected $weekday in [...]")
            return
        }
        #expect(field.node == .eventField(.weekday))
        #expect(items.map(\.node) == [.literal(.string("sat")), .literal(.string("sun"))])
        #expect(of == EventSelector(names: ["Workout Completed"]))
        #expect(window == .last(28 * day))
    }

    @Test func accountDefinitionsCountUsers() throws {
        let entry = try #require(catalog.first { $0.name == "high-intent-accounts" })
        let plan = try #require(check(entry.where, scope: .accounts).expression)
        guard case .and(let first, _) = plan.node, case .comparison(.greaterEqual, let count, _) = first.node,
            case .countUsers(let condition) = count.node, case .aggregate(let did) = condition.node
        else {
            Issue.record("unexpected plan \(plan)")
            return
        }
        #expect(did.function == .did)
        #expect(did.window == .last(14 * day))
    }

    @Test func typesOfValues() throws {
        let cases: [(String, ValueType, Bool)] = [
            ("count(\"A\")", .number, false),
            ("did(\"A\")", .bool, false),
            ("avg(\"A\", x)", .number, true),
            ("first_time(\"A\")", .timestamp, true),
            ("top(\"A\", x)", .dynamic, true),
            ("now - 30d", .timestamp, false),
            ("now - first_seen", .duration, true),
            ("7d / 1d", .number, true),
            ("2 * 7d", .duration, false),
            ("trait.plan", .dynamic, true),
            ("count(\"A\") / count(\"B\")", .number, true),
            ("coalesce(avg(\"A\", x), 0)", .number, false),
            ("rfm.score", .string, true),
            ("rfm.r", .number, true),
            ("score.expansion", .number, true),
            ("segment(\"paying\")", .bool, false),
            ("days_between(first_seen, now)", .number, true),
            ("percentile(count(any))", .number, true),
            ("least(1, 2, 3)", .number, false),
        ]
        for (text, type, missing) in cases {
            let result = check(text, role: .computedTrait)
            #expect(result.diagnostics.isEmpty, "\(text)")
            #expect(result.expression?.type == type, "\(text)")
            #expect(result.expression?.mayBeMissing == missing, "\(text)")
        }
    }
}
