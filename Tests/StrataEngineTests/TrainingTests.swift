import Foundation
import StrataCore
import StrataEngine
import StrataLanguage
import Testing

/// Point-in-time training sets (no leakage), the class-size refusal, and scoring with a trained model.
@Suite struct TrainingTests {
    let at = t("2026-06-01T00:00:00Z")

    static let modelFile = """
        kind: logistic
        features:
          - count("Login", last 30d)
          - trait.plan = "pro"
        label: did("Upgraded", next 30d)
        train_as_of: [2026-05-01, 2026-06-01]
        """

    /// a: a login and the free plan before T; b: upgraded the day before T and 31 days after it.
    func fixture(withLaterEvents later: Bool) -> Fixture {
        var f = Fixture()
        f.files["scores/m.yaml"] = Self.modelFile
        f.identify("a", ["plan": "free"], at: at - 10 * day)
        f.track("a", "Login", at: at - day)
        f.track("a", "Upgraded", at: at + 5 * day)
        f.track("b", "Upgraded", at: at - day)
        f.track("b", "Upgraded", at: at + 31 * day)
        if later {
            f.track("a", "Login", at: at + hour)
            f.identify("a", ["plan": "pro"], at: at + hour)
            f.track("b", "Login", at: at + 1)
            f.track("c", "Login", at: at + day)
        }
        return f
    }

    func set(_ f: Fixture) throws -> TrainingSet {
        let definitions = try f.definitions()
        guard case .logistic(let model)? = definitions.score(named: "m")?.model else {
            throw FixtureError(description: "no logistic model")
        }
        let horizon = TrainingSet.horizon(of: model.label)
        return try TrainingSet.evaluate(
            model, file: "scores/m.yaml", definitions: definitions, zone: .utc,
            features: f.population(asOf: at, definitions: definitions),
            outcomes: f.population(asOf: at + horizon, definitions: definitions), workers: 1)
    }

    /// A label that is a sequence over `next 30d` looks for the first step in (T, T + 30d] and the later
    /// ones within 7 days of it, up to T + 37d (its horizon). p1 upgraded 4 days after a trial in the
    /// window; p2 8 days after; p3's trial is on day 29 and the upgrade on day 35; p4's trial is past
    /// the window; p5's trial is before T.
    @Test(arguments: [
        ("followed_by(\"Trial\", \"Upgraded\", within: 7d, next 30d)", [true, false, true, false, false]),
        ("not_followed_by(\"Trial\", \"Upgraded\", within: 7d, next 30d)", [false, true, false, false, false]),
        ("funnel(\"Trial\", \"Upgraded\", within: 7d, next 30d) = 2", [true, false, true, false, false]),
    ])
    func sequenceLabelsReadPastT(label: String, expected: [Bool]) throws {
        var f = Fixture()
        f.files["scores/m.yaml"] = """
            kind: logistic
            features:
              - count("Login", last 30d)
            label: >
              \(label)
            train_as_of: [2026-06-01]
            """
        let trials: [Int64] = [5, 5, 29, 31, -1]
        let upgrades: [Int64] = [9, 13, 35, 32, 2]
        for index in 0..<5 {
            f.track("p\(index + 1)", "Login", at: at - day)
            f.track("p\(index + 1)", "Trial", at: at + trials[index] * day)
            f.track("p\(index + 1)", "Upgraded", at: at + upgrades[index] * day)
        }
        let s = try set(f)
        let labels = Dictionary(uniqueKeysWithValues: s.ids.enumerated().map { ($1, s.labels[$0]) })
        #expect((1...5).map { labels["p\($0)"] } == expected)
    }

    /// The horizon of `next 30d` is 30 days.
    @Test func horizonIsTheLongestNextWindow() throws {
        let definitions = try fixture(withLaterEvents: false).definitions()
        guard case .logistic(let model)? = definitions.score(named: "m")?.model else {
            Issue.record("no logistic model")
            return
        }
        #expect(TrainingSet.horizon(of: model.label) == 30 * day)
    }

    /// Features as of T: a logged in once and is on the free plan; b never logged in. Labels over
    /// (T, T + 30d]: a upgraded 5 days after T; b's upgrades are before T and 31 days after.
    @Test func featuresAreAsOfTAndLabelsAfterIt() throws {
        let s = try set(fixture(withLaterEvents: false))
        let rows = Dictionary(uniqueKeysWithValues: s.ids.enumerated().map { ($1, $0) })
        let a = try #require(rows["a"])
        let b = try #require(rows["b"])
        #expect(Array(s.rows[(2 * a)..<(2 * a + 2)]) == [1, 0])
        #expect(Array(s.rows[(2 * b)..<(2 * b + 2)]) == [0, 0])
        #expect(s.labels[a] == true)
        #expect(s.labels[b] == false)
    }

    /// Events, trait changes and new profiles after T change no feature and add no profile.
    @Test func nothingAfterTReachesAFeature() throws {
        let before = try set(fixture(withLaterEvents: false))
        let after = try set(fixture(withLaterEvents: true))
        #expect(after.ids == before.ids)
        #expect(after.rows == before.rows)
        #expect(after.labels == before.labels)
        #expect(!after.ids.contains("c"))
    }

    /// A training set of `positives` true labels and 100 false ones; the feature is 1 for the positives'
    /// first half and the negatives' first 30, else 0.
    func synthetic(at instant: Int64, positives: Int) -> TrainingSet {
        let labels = [Bool](repeating: true, count: positives) + [Bool](repeating: false, count: 100)
        let rows = (0..<positives).map { $0 < positives / 2 ? 1.0 : 0 } + (0..<100).map { $0 < 30 ? 1.0 : 0 }
        return TrainingSet(
            asOf: instant, ids: labels.indices.map { "p\($0)" }, rows: rows, labels: labels, featureCount: 1)
    }

    /// 49 profiles with the label in the training sets: refused, naming the counts; 50 trains.
    @Test func refusesAClassUnderFifty() throws {
        do {
            _ = try Trainer.train(
                name: "m", file: "scores/m.yaml", features: ["x"],
                sets: [synthetic(at: 1, positives: 49), synthetic(at: 2, positives: 60)], horizon: 0,
                trainedAt: 0)
            Issue.record("trained with 49 positives")
        } catch {
            #expect(
                error.description
                    == "scores/m.yaml: error: cannot train `m`: the training sets (1970-01-01T00:00:00.001Z) "
                    + "hold 49 profiles whose label is true and 100 whose label is false; each class needs at least 50")
        }
        let model = try Trainer.train(
            name: "m", file: "scores/m.yaml", features: ["x"],
            sets: [synthetic(at: 2, positives: 60), synthetic(at: 1, positives: 50)], horizon: 0, trainedAt: 0)
        #expect(model.trainAsOf == [1, 2])
        #expect(model.metrics.heldOutAsOf == 2)
        #expect(model.metrics.sets.map(\.positives) == [50, 60])
    }

    /// The held-out metrics: 60 positives (30 with x = 1) and 100 negatives (30 with x = 1); a model
    /// where x raises the odds ranks the pairs: P(x₊ > x₋) + ½ P(x₊ = x₋)
    /// = 0.5·0.7 + ½(0.5·0.3 + 0.5·0.7) = 0.6. Calibration: 160 profiles in 10 groups of 16.
    @Test func heldOutAucAndCalibration() throws {
        let model = try Trainer.train(
            name: "m", file: "scores/m.yaml", features: ["x"],
            sets: [synthetic(at: 1, positives: 50), synthetic(at: 2, positives: 60)], horizon: 0, trainedAt: 0)
        #expect(model.coefficients[0] > 0)
        #expect(abs((model.metrics.auc ?? 0) - 0.6) < 1e-12)
        #expect(model.metrics.calibration.map(\.count) == [Int](repeating: 16, count: 10))
        let observed = model.metrics.calibration.map { $0.observed * 16 }.reduce(0, +)
        #expect(abs(observed - 60) < 1e-9)
    }

    /// One training set leaves nothing to hold out.
    @Test func refusesASingleSnapshot() {
        let error = #expect(throws: EngineError.self) {
            try Trainer.train(
                name: "m", file: "scores/m.yaml", features: ["x"], sets: [synthetic(at: 1, positives: 60)],
                horizon: 0, trainedAt: 0)
        }
        #expect(
            error?.message
                == "cannot train `m`: `train_as_of` needs at least two dates (the latest is held out to measure the "
                + "model)")
    }

    /// score.m = 100 σ(β₀ + β z) with z = (x − 2) / 2, β₀ = 0, β = ln 3: 4 logins give z = 1 and
    /// 100 · 3/4 = 75; 2 logins give 50; a profile outside the population (plan pro) is missing.
    @Test func scoreReadsTheTrainedModel() throws {
        var f = Fixture()
        f.files["scores/m.yaml"] = """
            kind: logistic
            population: trait.plan = "free"
            features:
              - count("Login", last 30d)
            label: did("Upgraded", next 30d)
            train_as_of: [2026-05-01, 2026-06-01]
            """
        f.traits.append(("probe", "score.m"))
        for (user, logins, plan) in [("four", 4, "free"), ("two", 2, "free"), ("pro", 4, "pro")] {
            f.identify(user, ["plan": .string(plan)], at: at - 20 * day)
            f.track(user, "Login", times: (0..<logins).map { at - Int64($0 + 1) * hour })
        }
        let engine = try f.engine(asOf: at)
        let probe = try #require(engine.definitions.computedTraits.first { $0.name == "probe" })
        #expect(try engine.evaluate(probe.expression, profile: "four", file: "traits.yaml").isMissing)
        #expect(
            engine.missingReason(of: DefinitionID(.score, "m"))
                == "no trained model for its current features, label and population: run `strata train m`")
        let scored = try f.engine(asOf: at)
        scored.trainedModels["m"] = TrainedModel(
            name: "m", features: [#"count("Login", last 30d)"#],
            standardization: Standardization(means: [2], scales: [2]), intercept: 0, coefficients: [log(3)],
            lambda: 1, trainAsOf: [], horizon: 30 * day, trainedAt: 0,
            metrics: .init(sets: [], heldOutAsOf: 0, auc: nil, calibration: []))
        let four = try scored.evaluate(probe.expression, profile: "four", file: "traits.yaml")
        let two = try scored.evaluate(probe.expression, profile: "two", file: "traits.yaml")
        #expect(abs((four.number ?? 0) - 75) < 1e-9)
        #expect(abs((two.number ?? 0) - 50) < 1e-9)
        #expect(try scored.evaluate(probe.expression, profile: "pro", file: "traits.yaml") == .missing)
    }
}
