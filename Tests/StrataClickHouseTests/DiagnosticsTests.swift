import StrataClickHouse
import StrataCore
import StrataLanguage
import Testing

@Suite struct DiagnosticsTests {
    func diagnostics(_ segments: [String: String]) -> [String] {
        var files: [String: String] = [:]
        for (name, text) in segments {
            files["segments/\(name).yaml"] = text.hasPrefix("of: ") ? text : "where: >\n  \(text)\n"
        }
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

    @Test func periodsSequencesAndLocalTimeAreInTheSubset() {
        #expect(
            diagnostics([
                "s": #"streak(week, count("A") >= 5) >= 3 and count_periods(day, did("B"), 7) = 7"#,
                "f": #"followed_by("A", "B", within: 1d, first 7d) and not_followed_by("A", "B", within: 2h)"#,
                "n": #"funnel("A", "B", "C", within: 1d, last 30d) >= 2"#,
                "w": #"did("A" where $hour < 6 and $weekday in ["sat", "sun"]) and active_days(any, last 30d) > 3"#,
                "d": #"count_distinct("A", feature, from 7d to 14d after first_seen) >= 2"#,
                "t": #"top("A", feature, first 7d) = "x" and top_share("A", $weekday) > 0.5"#,
            ]) == [])
    }

    @Test func accountsAreInTheSubset() {
        #expect(
            diagnostics([
                "a": "of: accounts\nwhere: count_users(did(\"A\", last 14d)) >= 2 and trait.plan = \"pro\"\n",
                "b": "of: accounts\nwhere: streak(week, count_distinct(\"A\", $user) >= 3) >= 2 or segment(\"a\")\n",
                "u": #"account.trait.plan = "pro" and account.count("A", last 7d) > count("A", last 7d)"#,
            ]) == [])
    }

    @Test func constructsOutsideTheSubsetAreErrorsAtTheirPlace() {
        #expect(
            diagnostics([
                "t": #"did("A" where tags contains label)"#,
                "f": #"rfm.r >= 4"#,
                "r": #"segment("f") or percentile(count("A")) > 50"#,
            ]) == [
                "segments/f.yaml:2:3: error: rfm.r is not supported on ClickHouse yet (store: clickhouse)",
                "segments/r.yaml:2:3: error: segment(\"f\") cannot be evaluated on ClickHouse: rfm.r is not supported on ClickHouse yet (store: clickhouse)",
                "segments/t.yaml:2:17: error: `contains` on a property or trait is supported on ClickHouse only with a string literal (store: clickhouse)",
            ])
    }
}
