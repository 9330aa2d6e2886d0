import Foundation
import Testing

/// Scores and stages read in `strata profile` and `strata export traits`, on the fixture of
/// ``CLITests``: ann ordered once, bob browsed and ordered once, cid only browsed.
struct ScoresInProfilesTests {
    /// The fixture with a score (orders / 4, clamped: 25 for one order) and a stage model.
    static func fixture() async throws -> CLITests.Fixture {
        let fixture = try await CLITests.Fixture()
        let files = [
            "scores/spend.yaml":
                "kind: weighted\ninputs:\n  - expr: count(\"Order Completed\") / 4\n    normalize: clamp\n",
            "stages/buying.yaml": "stages:\n  - buyer: did(\"Order Completed\")\n  - browser: did(\"Page Viewed\")\n",
        ]
        for (path, text) in files {
            try text.write(to: fixture.root.appendingPathComponent(path), atomically: true, encoding: .utf8)
        }
        return fixture
    }

    @Test func profileShowsScoresAndStages() async throws {
        let fixture = try await Self.fixture()
        defer { try? FileManager.default.removeItem(at: fixture.root) }
        let run = try fixture.strata("profile", "cid", "--as-of", "2026-07-02T00:00:00Z")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("scores\n  spend: 0\nstages\n  buying: browser\n"), "\(run.stdout)")
        let json = try fixture.strata("profile", "ann", "--as-of", "2026-07-02T00:00:00Z", "--format", "json")
        #expect(json.stdout.contains(#""scores":{"spend":25}"#), "\(json.stdout)")
        #expect(json.stdout.contains(#""stages":{"buying":"buyer"}"#), "\(json.stdout)")
    }

    @Test func exportCarriesScoresAndStages() async throws {
        let fixture = try await Self.fixture()
        defer { try? FileManager.default.removeItem(at: fixture.root) }
        let csv = try fixture.strata("export", "traits", "--as-of", "2026-07-02T00:00:00Z")
        #expect(csv.status == 0, "\(csv.stderr)")
        #expect(csv.stdout == "id,score.spend,stage.buying\nann,25,buyer\nbob,25,buyer\ncid,0,browser\n")
        let jsonl = try fixture.strata("export", "traits", "--as-of", "2026-07-02T00:00:00Z", "--format", "jsonl")
        #expect(
            jsonl.stdout.split(separator: "\n").first
                == #"{"id":"ann","scores":{"spend":25},"stages":{"buying":"buyer"}}"#)
    }
}
