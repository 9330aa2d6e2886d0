import Foundation
import StrataClickHouse
import StrataStore
import Testing

@Suite struct SettingsTests {
    /// The settings of a strata.yaml text, or the error of the workspace or of the section.
    func settings(_ yaml: String, environment: [String: String] = [:]) throws -> Settings? {
        let config = try Workspace.parse(yaml, file: "strata.yaml")
        return try config.clickhouse.map { section throws(ClickHouseError) in
            try Settings(section, environment: environment)
        }
    }

    func error(_ yaml: String, environment: [String: String] = [:]) -> String? {
        do {
            _ = try settings(yaml, environment: environment)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func readsEveryKeyAndExpandsTheEnvironment() throws {
        let parsed = try #require(
            try settings(
                """
                store: clickhouse
                clickhouse:
                  url: http://127.0.0.1:18121
                  database: strata_test
                  cluster: strata2
                  nodes: [http://127.0.0.1:18121, "http://127.0.0.1:${SECOND_PORT}"]
                  user: ${CH_USER}
                  password: a${CH_PASSWORD}z
                  ship_interval_seconds: 2
                """, environment: ["CH_USER": "reader", "CH_PASSWORD": "s3cret", "SECOND_PORT": "18122"]))
        #expect(parsed.url.absoluteString == "http://127.0.0.1:18121")
        #expect(parsed.database == "strata_test")
        #expect(parsed.cluster == "strata2")
        #expect(parsed.nodes.map(\.absoluteString) == ["http://127.0.0.1:18121", "http://127.0.0.1:18122"])
        #expect(parsed.user == "reader")
        #expect(parsed.password == "as3cretz")
        #expect(parsed.timeoutSeconds == 600)
        #expect(parsed.shipIntervalSeconds == 2)
    }

    @Test func defaultsForOneServer() throws {
        let parsed = try #require(try settings("store: clickhouse\nclickhouse:\n  url: https://ch.example:8443\n"))
        #expect(parsed == Settings(url: URL(string: "https://ch.example:8443")!))
        #expect(
            parsed.database == "strata" && parsed.user == "default" && parsed.password == "" && parsed.cluster == nil)
        #expect(parsed.timeoutSeconds == 600 && parsed.shipIntervalSeconds == 5)
    }

    @Test func otherStoresHaveNoSettings() throws {
        #expect(try settings("store: sqlite\n") == nil)
    }

    @Test(arguments: [
        (
            "store: clickhouse\n",
            "strata.yaml:1:8: `store: clickhouse` needs a `clickhouse:` section with at least `url`"
        ),
        (
            "clickhouse:\n  url: http://h:1\n",
            "strata.yaml:1:1: the `clickhouse` settings are read only with `store: clickhouse`"
        ),
        (
            "store: clickhouse\nclickhouse:\n  database: x\n",
            "strata.yaml:2:1: the `clickhouse` settings need a `url`, such as http://127.0.0.1:8123"
        ),
        (
            "store: clickhouse\nclickhouse:\n  url: ftp://h:1\n",
            "strata.yaml:3:8: `clickhouse.url` must be the HTTP interface of a node, such as http://127.0.0.1:8123, found `ftp://h:1`"
        ),
        (
            "store: clickhouse\nclickhouse:\n  url: http://h:1\n  databse: x\n",
            "strata.yaml:4:3: unknown key `clickhouse.databse`, expected one of url, database, cluster, nodes, user, password, timeout_seconds, ship_interval_seconds; did you mean `database`?"
        ),
        (
            "store: clickhouse\nclickhouse:\n  url: http://h:1\n  database: my-db\n",
            "strata.yaml:4:13: `clickhouse.database` must be a name of letters, digits and underscores not starting with a digit, found `my-db`"
        ),
        (
            "store: clickhouse\nclickhouse:\n  url: http://h:1\n  password: ${NOT_SET}\n",
            "strata.yaml:4:13: `clickhouse.password` reads the environment variable NOT_SET, which is not set"
        ),
        (
            "store: clickhouse\nclickhouse:\n  url: http://h:1\n  password: ${OPEN\n",
            "strata.yaml:4:13: `clickhouse.password` has a `${` without its closing `}`"
        ),
        (
            "store: clickhouse\nclickhouse:\n  url: http://h:1\n  cluster: strata2\n",
            "strata.yaml:2:1: `clickhouse.cluster` needs `nodes`, the HTTP interface of each shard, where its local tables are created"
        ),
        (
            "store: clickhouse\nclickhouse:\n  url: http://h:1\n  user: [a, b]\n",
            "strata.yaml:4:9: `clickhouse.user` must be a single value"
        ),
        (
            "store: clickhouse\nclickhouse:\n  url: http://h:1\n  ship_interval_seconds: 0.5\n",
            "strata.yaml:4:26: `clickhouse.ship_interval_seconds` must be a whole number of seconds above 0, found `0.5`"
        ),
        (
            "store: clickhouse\nclickhouse: http://h:1\n",
            "strata.yaml:2:13: `clickhouse` must be a mapping with url, database and the like"
        ),
    ])
    func mistakesNameTheirPlace(yaml: String, expected: String) {
        #expect(error(yaml) == expected)
    }
}
