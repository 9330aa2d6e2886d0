import Foundation
import StrataCore
import StrataStore

/// The `clickhouse:` settings of strata.yaml: the HTTP interface of any node, the database, the
/// optional cluster, and the credentials.
///
/// ```yaml
/// store: clickhouse
/// clickhouse:
///   url: http://127.0.0.1:8123
///   database: strata
///   cluster: strata2                 # local tables on every shard, Distributed tables over them
///   nodes: [http://127.0.0.1:8123, http://127.0.0.1:8124]   # with a cluster: each shard's HTTP interface
///   user: default
///   password: ${CLICKHOUSE_PASSWORD}
/// ```
///
/// `${NAME}` in any value is replaced by the environment variable NAME; an unset one is an error.
public struct Settings: Sendable, Equatable {
    /// The HTTP interface of a node, `http://host:port`.
    public var url: URL
    /// The database holding Strata's tables.
    public var database: String
    /// A cluster of the servers' `remote_servers`, or nil for one server.
    public var cluster: String?
    /// With a cluster, the HTTP interface of one replica of each shard, in the cluster's shard order:
    /// where the local tables are created (`ON CLUSTER` would need ZooKeeper).
    public var nodes: [URL]
    /// The user.
    public var user: String
    /// The password (kept out of every description).
    public var password: String
    /// How long one statement may take, in seconds.
    public var timeoutSeconds: Int
    /// How often `strata serve` ships the messages stored since its last shipment, in seconds.
    public var shipIntervalSeconds: Int

    /// The keys the section may hold.
    public static let keys = [
        "url", "database", "cluster", "nodes", "user", "password", "timeout_seconds", "ship_interval_seconds",
    ]

    /// Settings from their parts.
    public init(
        url: URL, database: String = "strata", cluster: String? = nil, nodes: [URL] = [], user: String = "default",
        password: String = "", timeoutSeconds: Int = 600, shipIntervalSeconds: Int = 5
    ) {
        self.url = url
        self.database = database
        self.cluster = cluster
        self.nodes = nodes
        self.user = user
        self.password = password
        self.timeoutSeconds = timeoutSeconds
        self.shipIntervalSeconds = shipIntervalSeconds
    }

    /// Reads the section strata.yaml holds, replacing `${NAME}` from `environment`; every mistake names
    /// its file, line and column.
    public init(
        _ section: Workspace.Config.Section, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ClickHouseError) {
        var url: URL?
        self.init(url: URL(fileURLWithPath: "/"))
        for entry in section.entries {
            guard Self.keys.contains(entry.key) else {
                let hint = Suggestion.nearest(to: entry.key, in: Self.keys).map { "; did you mean `\($0)`?" } ?? ""
                throw ClickHouseError(
                    "\(entry.keyPlace): unknown key `clickhouse.\(entry.key)`, expected one of "
                        + "\(Self.keys.joined(separator: ", "))\(hint)")
            }
            if entry.key == "nodes" {
                guard let items = entry.items, !items.isEmpty else {
                    throw ClickHouseError(
                        "\(entry.valuePlace): `clickhouse.nodes` must be a list of URLs, one HTTP interface per shard")
                }
                for item in items {
                    let value = try Self.expand(item, key: entry.key, at: entry.valuePlace, environment: environment)
                    nodes.append(try Self.httpURL(value, key: entry.key, at: entry.valuePlace))
                }
                continue
            }
            guard let written = entry.value else {
                throw ClickHouseError("\(entry.valuePlace): `clickhouse.\(entry.key)` must be a single value")
            }
            let value = try Self.expand(written, key: entry.key, at: entry.valuePlace, environment: environment)
            switch entry.key {
            case "url":
                url = try Self.httpURL(value, key: entry.key, at: entry.valuePlace)
            case "database", "cluster":
                guard Self.isIdentifier(value) else {
                    throw ClickHouseError(
                        "\(entry.valuePlace): `clickhouse.\(entry.key)` must be a name of letters, digits and "
                            + "underscores not starting with a digit, found `\(value)`")
                }
                if entry.key == "database" { database = value } else { cluster = value }
            case "user":
                guard !value.isEmpty else {
                    throw ClickHouseError("\(entry.valuePlace): `clickhouse.user` must not be empty")
                }
                user = value
            case "password":
                password = value
            default:
                guard let seconds = Int(value), seconds > 0 else {
                    throw ClickHouseError(
                        "\(entry.valuePlace): `clickhouse.\(entry.key)` must be a whole number of seconds above 0, "
                            + "found `\(value)`")
                }
                if entry.key == "timeout_seconds" { timeoutSeconds = seconds } else { shipIntervalSeconds = seconds }
            }
        }
        guard let url else {
            throw ClickHouseError(
                "\(section.place): the `clickhouse` settings need a `url`, such as http://127.0.0.1:8123")
        }
        self.url = url
        if cluster != nil, nodes.isEmpty {
            throw ClickHouseError(
                "\(section.place): `clickhouse.cluster` needs `nodes`, the HTTP interface of each shard, where "
                    + "its local tables are created")
        }
        if cluster == nil, !nodes.isEmpty {
            throw ClickHouseError("\(section.place): `clickhouse.nodes` is read only with `clickhouse.cluster`")
        }
    }

    /// The settings for one node of the cluster: the same database and credentials at its URL.
    public func node(_ url: URL) -> Settings {
        var node = self
        node.url = url
        node.cluster = nil
        node.nodes = []
        return node
    }

    /// A URL of an HTTP interface, or an error naming the key's place.
    static func httpURL(_ value: String, key: String, at place: String) throws(ClickHouseError) -> URL {
        guard let parsed = URL(string: value), let scheme = parsed.scheme, ["http", "https"].contains(scheme),
            parsed.host?.isEmpty == false, parsed.query == nil
        else {
            throw ClickHouseError(
                "\(place): `clickhouse.\(key)` must be the HTTP interface of a node, such as "
                    + "http://127.0.0.1:8123, found `\(value)`")
        }
        return parsed
    }

    /// Replaces each `${NAME}` with the environment variable NAME.
    static func expand(
        _ text: String, key: String, at place: String, environment: [String: String]
    ) throws(ClickHouseError) -> String {
        var out = ""
        var rest = Substring(text)
        while let open = rest.range(of: "${") {
            out += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].firstIndex(of: "}") else {
                throw ClickHouseError("\(place): `clickhouse.\(key)` has a `${` without its closing `}`")
            }
            let name = String(rest[open.upperBound..<close])
            guard Self.isIdentifier(name) else {
                throw ClickHouseError(
                    "\(place): `clickhouse.\(key)` names an invalid environment variable `${\(name)}`")
            }
            guard let value = environment[name] else {
                throw ClickHouseError(
                    "\(place): `clickhouse.\(key)` reads the environment variable \(name), which is not set")
            }
            out += value
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }

    /// Whether a name is a plain identifier: letters, digits and underscores, not starting with a digit.
    static func isIdentifier(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, !("0"..."9").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_"
        }
    }
}

extension Settings: CustomStringConvertible {
    /// Where and who, without the password.
    public var description: String {
        "\(url) database \(database)\(cluster.map { " cluster \($0)" } ?? "") user \(user)"
    }
}
