import StrataCore
import StrataEngine
import StrataLanguage
import Testing

/// Percentiles, scores, stages, computed traits and references between definitions.
@Suite struct PopulationTests {
    let now = t("2026-07-01T00:00:00Z")

    /// a: 1 A, b: 2, c: 2, d: 4, n: identify-only (0). a and d are on "pro".
    var fixture: Fixture {
        var f = Fixture()
        f.track("a", "A", times: [now - day])
        f.track("b", "A", times: [now - day, now - 2 * day])
        f.track("c", "A", times: [now - day, now - 3 * day])
        f.track("d", "A", times: [now - day, now - 2 * day, now - 3 * day, now - 4 * day])
        f.identify("n", at: now - day)
        f.identify("a", ["plan": "pro"], at: now - day)
        f.identify("d", ["plan": "pro"], at: now - day)
        f.segment("paying", #"trait.plan = "pro""#)
        return f
    }

    @Test func percentileRanksAgainstTheWholePopulation() throws {
        let f = fixture
        let expected: [(String, Double)] = [("n", 20), ("a", 40), ("b", 80), ("c", 80), ("d", 100)]
        for (id, value) in expected {
            #expect(try f.value(#"percentile(count("A"))"#, for: id, asOf: now) == .number(value), "\(id)")
        }
    }

    @Test func percentileAmongASegmentRanksEveryoneAgainstItsMembers() throws {
        let f = fixture
        let expected: [(String, Double)] = [("n", 0), ("a", 50), ("b", 50), ("c", 50), ("d", 100)]
        for (id, value) in expected {
            #expect(
                try f.value(#"percentile(count("A"), among: "paying")"#, for: id, asOf: now) == .number(value), "\(id)")
        }
    }

    @Test func percentileSkipsMissingValues() throws {
        var f = fixture
        f.track("b", "R", at: now - day, ["s": 1])
        f.track("c", "R", at: now - day, ["s": 3])
        #expect(try f.value(#"percentile(avg("R", s))"#, for: "c", asOf: now) == .number(100))
        #expect(try f.value(#"percentile(avg("R", s))"#, for: "b", asOf: now) == .number(50))
        #expect(try f.value(#"percentile(avg("R", s))"#, for: "a", asOf: now) == .missing)
    }

    @Test func segmentsReadOtherSegments() throws {
        var f = fixture
        f.segment("busy-payers", #"segment("paying") and count("A") >= 2"#)
        f.segment("others", #"not segment("busy-payers")"#)
        let engine = try f.engine(asOf: now)
        #expect(try engine.segment(named: "busy-payers").members == ["d"])
        #expect(try engine.segment(named: "others").members == ["a", "b", "c", "n"])
    }

    /// p: 2 A, sentiment 0.5, did U. q: 8 A, no rating. r: nothing.
    var scored: Fixture {
        var f = Fixture()
        f.track("p", "A", times: [now - day, now - 2 * day])
        f.track("p", "R", at: now - day, ["s": 0.5])
        f.track("p", "U", at: now - day)
        f.track("q", "A", times: (1...8).map { now - Int64($0) * hour })
        f.identify("r", at: now - day)
        f.files["scores/test.yaml"] = """
            kind: weighted
            inputs:
              - expr: count("A") / 4
                weight: 2
                normalize: clamp
              - expr: count("A")
                weight: 1
                normalize: percentile
              - expr: avg("R", s)
                weight: 1
                normalize: range -1 1
                missing: 0.5
              - expr: did("U")
                weight: 1

            """
        f.files["scores/recency.yaml"] = """
            kind: weighted
            inputs:
              - expr: days_since(any)
                normalize: range 10 0

            """
        return f
    }

    @Test func weightedScoreNormalisesEachInput() throws {
        let f = scored
        // p: (2 × 0.5 + 2/3 + 0.75 + 1) / 5; q: (2 × 1 + 1 + 0.5 + 0) / 5; r: (0 + 1/3 + 0.5 + 0) / 5.
        let p = try #require(f.value("score.test", for: "p", asOf: now).number)
        let q = try #require(f.value("score.test", for: "q", asOf: now).number)
        let r = try #require(f.value("score.test", for: "r", asOf: now).number)
        #expect(abs(p - 100 * (1 + 2.0 / 3 + 0.75 + 1) / 5) < 1e-9)
        #expect(abs(q - 70) < 1e-9)
        #expect(abs(r - 100 * (1.0 / 3 + 0.5) / 5) < 1e-9)
        var g = f
        g.segment("high", "score.test >= 70")
        #expect(try g.members("high", asOf: now) == ["q"])
    }

    @Test func invertedRangeAndMissingDefault() throws {
        let f = scored
        // p: last event 1 day ago: (1 - 10) / (0 - 10) = 0.9; q: 1 hour ago; r: never (missing: 0).
        #expect(try f.value("score.recency", for: "p", asOf: now) == .number(90))
        let q = try #require(f.value("score.recency", for: "q", asOf: now).number)
        #expect(abs(q - 100 * (1 - 1.0 / 240)) < 1e-9)
        #expect(try f.value("score.recency", for: "r", asOf: now) == .number(0))
    }

    @Test func stageModelsTakeTheFirstMatchingStage() throws {
        var f = Fixture()
        f.files["stages/lifecycle.yaml"] = """
            stages:
              - new: days_since_first(any) < 14
              - active: did(any, last 14d)
              - at-risk: did(any, last 60d)
              - churned: else

            """
        f.track("new", "A", times: [now - 3 * day])
        f.track("active", "A", times: [now - 30 * day, now - 2 * day])
        f.track("risk", "A", times: [now - 90 * day, now - 30 * day])
        f.track("gone", "A", times: [now - 100 * day, now - 70 * day])
        f.identify("quiet", at: now - day)
        f.segment("at-risk", #"stage.lifecycle = "at-risk""#)
        let expected = [
            ("new", "new"), ("active", "active"), ("risk", "at-risk"), ("gone", "churned"), ("quiet", "churned"),
        ]
        for (id, stage) in expected {
            #expect(try f.value("stage.lifecycle", for: id, asOf: now) == .string(stage), "\(id)")
        }
        #expect(try f.members("at-risk", asOf: now) == ["risk"])
    }

    @Test func aStageModelWithoutElseLeavesProfilesWithoutAStage() throws {
        var f = Fixture()
        f.files["stages/buyers.yaml"] = """
            stages:
              - repeat: count("Order Completed") >= 2
              - first-time: did("Order Completed")

            """
        f.track("one", "Order Completed", at: now - day)
        f.track("two", "Order Completed", times: [now - 2 * day, now - day])
        f.identify("none", at: now - day)
        let engine = try f.engine(asOf: now)
        let model = try #require(engine.definitions.stageModel(named: "buyers"))
        let stages = try engine.stages(of: model)
        // "two" also did "Order Completed", but the first stage that holds wins.
        let expected: [(String, Value)] = [
            ("one", .string("first-time")), ("two", .string("repeat")), ("none", .missing),
        ]
        for (id, stage) in expected {
            #expect(stages[try #require(engine.population.userIndex(forID: id))] == stage, "\(id)")
        }
    }

    @Test func computedTraitsAreReadable() throws {
        var f = fixture
        f.traits.append(("a_count", #"count("A")"#))
        f.segment("many", "computed.a_count >= 2")
        #expect(try f.members("many", asOf: now) == ["b", "c", "d"])
    }

    @Test func anUntrainedLogisticScoreIsMissingAndItsReadersStillEvaluate() throws {
        var f = fixture
        f.files["scores/churn.yaml"] = """
            kind: logistic
            features:
              - count("A", last 30d)
            label: did("A", next 30d)
            train_as_of: [2026-05-01]

            """
        f.segment("likely", "score.churn > 50")
        let engine = try f.engine(asOf: now)
        // `missing > 50` is missing, so no profile is a member, and evaluation does not fail.
        let likely = try engine.segment(named: "likely")
        #expect(likely.members == [])
        #expect(likely.flags.count == likely.population && likely.population > 0)
        #expect(try engine.values(of: DefinitionID(.score, "churn")).allSatisfy(\.isMissing))
        #expect(
            engine.missingReason(of: DefinitionID(.score, "churn"))
                == "no trained model for its current features, label and population: run `strata train churn`")
    }
}
