import StrataCore
import StrataEngine
import StrataLanguage
import Testing

/// Explanations: every sub-expression with its value, labelled with its source text.
@Suite struct ExplainTests {
    let now = t("2026-07-01T00:00:00Z")

    @Test func explainsAtRiskUsers() throws {
        var f = Fixture()
        f.segment(
            "at-risk-users",
            """
            count("Logged In", last 30d) <= 0.4 * count("Logged In", from 60d ago to 30d ago)
            or (did("Core Feature Used", before 30d ago) and not did("Core Feature Used", last 30d))
            """)
        f.track("u", "Logged In", times: [now - day, now - 2 * day, now - 3 * day])
        f.track("u", "Logged In", times: (31...36).map { now - Int64($0) * day })
        f.track("u", "Core Feature Used", times: [now - 40 * day, now - 5 * day])
        let engine = try f.engine(asOf: now)
        let explanation = try engine.explain(segment: "at-risk-users", profile: "u", sources: f.definitionFiles)
        #expect(
            explanation.render() == """
                at-risk-users: false
                └─ or -> false
                   ├─ <= -> false
                   │  ├─ count("Logged In", last 30d) = 3
                   │  └─ 0.4 * count("Logged In", from 60d ago to 30d ago) = 2.4
                   │     └─ count("Logged In", from 60d ago to 30d ago) = 6
                   └─ and -> false
                      ├─ did("Core Feature Used", before 30d ago) = true
                      └─ not -> false
                         └─ did("Core Feature Used", last 30d) = true
                """)
    }

    @Test func showsMissingAndPrintsThePlanWithoutSources() throws {
        var f = Fixture()
        f.segment("rated", #"avg("Ticket Rated", sentiment) > 0.5 and trait.plan = "pro""#)
        f.identify("anon-user", ["plan": "pro"], at: now - day)
        let engine = try f.engine(asOf: now)
        let explanation = try engine.explain(segment: "rated", profile: "anon-user")
        #expect(
            explanation.render() == """
                rated: false
                └─ and -> false
                   ├─ > -> false
                   │  └─ avg("Ticket Rated", sentiment) = missing
                   └─ = -> true
                      └─ trait.plan = "pro"
                """)
    }

    @Test func topLevelConditionsAreTheRootsOperandsWithTheirSourceText() throws {
        var f = Fixture()
        f.segment("chain", "did(\"A\") and\n  count(\"B\", last 7d) >= 2 and true and (did(\"C\") or did(\"D\"))")
        f.segment("single", "not did(\"A\")")
        f.track("u", "A", times: [now - day])
        let engine = try f.engine(asOf: now)
        let files = f.definitionFiles
        let chain = try #require(engine.definitions.segment(named: "chain"))
        let top = Explanation.topLevel(of: chain.condition, source: files[chain.file])
        // The chain's three operands that are not literals, whitespace collapsed, as the tree labels them.
        #expect(top.connective == "and")
        #expect(
            top.conditions.map(\.label) == [#"did("A")"#, #"count("B", last 7d) >= 2"#, #"(did("C") or did("D"))"#])
        let single = try #require(engine.definitions.segment(named: "single"))
        let alone = Explanation.topLevel(of: single.condition, source: files[single.file])
        #expect(alone.connective == nil)
        #expect(alone.conditions.map(\.label) == [#"not did("A")"#])
    }

    @Test func unknownProfileIsAnError() throws {
        var f = Fixture()
        f.segment("any", "did(any)")
        let engine = try f.engine(asOf: now)
        #expect(throws: EngineError.self) { try engine.explain(segment: "any", profile: "nobody") }
        #expect(throws: EngineError.self) { try engine.explain(segment: "anz", profile: "nobody") }
    }
}
