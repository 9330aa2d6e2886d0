import StrataClickHouse
import StrataCore
import StrataLanguage
import Testing

@Suite struct DiagnosticsTests {
    func diagnostics(_ segments: [String: String]) -> [String] {
        var files: [String: String] = [:]
        for (name, condition) in segments { files["segments/\(name).yaml"] = "where: >\n  \(condition)\n" }
        let definitions = Definitions.load(DefinitionFiles(files))
        #expect(definitions.diagnostics.isEmpty)
        return Evaluator.diagnostics(definitions, zone: .utc).map(\.description).sorted()
    }

    @Test func theSubsetHasNoDiagnostics() {
        #expect(
            diagnostics([
                "a": #"count("Order Completed", last 30d) >= 2 and not did("Refund", this month)"#,
                "b": #"sum("Order Completed", revenue, from 60d ago to 30d ago) > 100 or trait.plan = "pro""#,
                "c": #"segment("a") and days_since("Login") <= 7 and exists(trait.email)"#,
                "d":
                    #"did(("A" or "B") where amount between 1 and 5 and currency in ["EUR", "USD"], since 2026-01-01)"#,
            ]) == [])
    }

    @Test func constructsOutsideTheSubsetAreErrorsAtTheirPlace() {
        #expect(
            diagnostics([
                "p": #"percentile(count("A")) > 50"#,
                "s": #"streak(week, did("A")) >= 2"#,
                "f": #"did("A") and followed_by("A", "B", within: 1d)"#,
                "w": #"did("A" where $hour < 6)"#,
                "r": #"segment("p")"#,
            ]) == [
                "segments/f.yaml:2:16: error: followed_by, not_followed_by and funnel are not supported on ClickHouse yet (store: clickhouse)",
                "segments/p.yaml:2:3: error: percentile is not supported on ClickHouse yet (store: clickhouse)",
                "segments/r.yaml:2:3: error: segment(\"p\") cannot be evaluated on ClickHouse: percentile is not supported on ClickHouse yet (store: clickhouse)",
                "segments/s.yaml:2:3: error: streak is not supported on ClickHouse yet (store: clickhouse)",
                "segments/w.yaml:2:17: error: $hour is not supported on ClickHouse yet (store: clickhouse)",
            ])
    }
}
