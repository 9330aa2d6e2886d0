import StrataCore
import StrataEngine
import StrataLanguage
import Testing

/// Weighted scores: each normalisation, the `missing` value and the weights, worked out by hand.
@Suite struct ScoreTests {
    let now = t("2026-07-01T00:00:00Z")

    /// x is -0.5, 0.25 and 2 for p1-p3; p4 has no x; p5's x is a string. Only p1 did "A".
    func fixture(_ scores: [String: String]) -> Fixture {
        var f = Fixture()
        f.identify("p1", ["x": -0.5], at: now - day)
        f.identify("p2", ["x": 0.25], at: now - day)
        f.identify("p3", ["x": 2], at: now - day)
        f.identify("p4", at: now - day)
        f.identify("p5", ["x": "high"], at: now - day)
        f.track("p1", "A", at: now - day)
        for (name, inputs) in scores { f.files["scores/\(name).yaml"] = "kind: weighted\ninputs:\n\(inputs)\n" }
        return f
    }

    /// The score of p1-p5.
    func scores(_ name: String, _ f: Fixture) throws -> [Double] {
        try ["p1", "p2", "p3", "p4", "p5"].map { id in try #require(f.value("score.\(name)", for: id, asOf: now).number)
        }
    }

    static func close(_ a: [Double], _ b: [Double]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) < 1e-9 }
    }

    @Test func clampAndNoNormalisationClampToZeroOne() throws {
        let f = fixture([
            "clamped": "  - expr: trait.x\n    normalize: clamp",
            "raw": "  - expr: trait.x",
        ])
        // -0.5 -> 0, 0.25 -> 0.25, 2 -> 1; missing and non-numeric take the default `missing`, 0.
        #expect(Self.close(try scores("clamped", f), [0, 25, 100, 0, 0]))
        #expect(Self.close(try scores("raw", f), [0, 25, 100, 0, 0]))
    }

    @Test func percentileRanksAmongProfilesWithAValue() throws {
        let f = fixture(["ranked": "  - expr: trait.x\n    normalize: percentile\n    missing: 0.4"])
        // Three profiles have a number: -0.5 is 1/3 of them at or below, 0.25 is 2/3, 2 is 3/3.
        #expect(Self.close(try scores("ranked", f), [100.0 / 3, 200.0 / 3, 100, 40, 40]))
    }

    @Test func rangeMapsLinearlyAndClamps() throws {
        let f = fixture([
            "up": "  - expr: trait.x\n    normalize: range -1 1\n    missing: 0.5",
            "down": "  - expr: trait.x\n    normalize: range 2 -2",
        ])
        // range -1 1: (x + 1) / 2 = 0.25, 0.625, 1.5 clamped to 1; missing 0.5.
        #expect(Self.close(try scores("up", f), [25, 62.5, 100, 50, 50]))
        // range 2 -2: (x - 2) / -4 = 0.625, 0.4375, 0.
        #expect(Self.close(try scores("down", f), [62.5, 43.75, 0, 0, 0]))
    }

    @Test func weightsAverageTheInputsAndBoolsCountOneOrZero() throws {
        let f = fixture([
            "mixed": """
              - expr: trait.x
                weight: 3
                normalize: clamp
              - expr: trait.x
                normalize: range -1 1
                missing: 0.5
              - expr: did("A")
                weight: 0
              - expr: did("A")
                weight: 4
            """
        ])
        // 100 × (3 × clamp + 1 × range + 0 × did + 4 × did) / 8.
        // p1: (0 + 0.25 + 4) / 8; p2: (0.75 + 0.625) / 8; p3: (3 + 1) / 8; p4, p5: 0.5 / 8.
        #expect(Self.close(try scores("mixed", f), [53.125, 17.1875, 50, 6.25, 6.25]))
    }
}
