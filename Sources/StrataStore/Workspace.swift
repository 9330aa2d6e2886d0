import Foundation
import StrataCore
import Yams

/// A Strata workspace: a folder holding `strata.yaml`, the definitions, and the embedded store.
public struct Workspace: Sendable {
    /// The folder holding `strata.yaml`.
    public let root: URL
    /// The settings read from `strata.yaml`.
    public let config: Config

    /// The settings of `strata.yaml`.
    public struct Config: Sendable, Equatable {
        /// Where events are stored.
        public enum Store: Sendable, Equatable {
            /// The embedded SQLite database, at a path relative to the workspace.
            case sqlite(path: String)
        }

        /// The workspace's name.
        public var name: String
        /// The IANA time zone for calendar windows, `$weekday`, `$hour` and dates.
        public var timezone: Zone
        /// The store.
        public var store: Store
        /// The web origins (`https://shop.example`) whose pages the server lets read its answers to
        /// tracking calls (`cors_origins`); nil lets every origin.
        public var corsOrigins: [String]?
        /// The limits of `strata serve` (`server`).
        public var server = ServerLimits()
        /// With `store: clickhouse`, the `clickhouse:` settings as written (the ClickHouse store reads
        /// them); nil otherwise. The message log stays in the embedded store, which ships it to ClickHouse.
        public var clickhouse: Section?

        /// A section of settings as written: each key with its scalar value and their places, for a
        /// module that owns the section to read and check.
        public struct Section: Sendable, Equatable {
            /// One key of the section.
            public struct Entry: Sendable, Equatable {
                /// The key.
                public var key: String
                /// The value when it is a scalar, nil when it is a list or a mapping.
                public var value: String?
                /// The items when the value is a list of scalars, nil otherwise.
                public var items: [String]?
                /// `file:line:col` of the key.
                public var keyPlace: String
                /// `file:line:col` of the value.
                public var valuePlace: String
            }

            /// `file:line:col` of the section's key.
            public var place: String
            /// Its keys, in the order written.
            public var entries: [Entry]
        }

        /// Settings from their parts.
        public init(name: String, timezone: Zone, store: Store, corsOrigins: [String]? = nil) {
            self.name = name
            self.timezone = timezone
            self.store = store
            self.corsOrigins = corsOrigins
        }

        /// The keys `strata.yaml` may hold.
        public static let keys = [
            "name", "timezone", "store", "keys", "public_url", "messaging", "cors_origins", "server", "clickhouse",
        ]
        /// The default store path.
        public static let defaultDatabase = "data/strata.db"
    }

    /// The name of the settings file.
    public static let fileName = "strata.yaml"

    /// The folder of segment definitions.
    public var segmentsDirectory: URL { root.appendingPathComponent("segments") }
    /// The folder of score definitions.
    public var scoresDirectory: URL { root.appendingPathComponent("scores") }
    /// The folder of stage models.
    public var stagesDirectory: URL { root.appendingPathComponent("stages") }
    /// The folder of the embedded store.
    public var dataDirectory: URL { root.appendingPathComponent("data") }

    /// Reads the workspace at a folder.
    public init(root: URL) throws(WorkspaceError) {
        self.root = root.standardizedFileURL
        let file = self.root.appendingPathComponent(Self.fileName)
        let text: String
        do {
            text = try String(contentsOf: file, encoding: .utf8)
        } catch {
            throw WorkspaceError("cannot read \(file.path): \(PlainError.describe(error))")
        }
        config = try Self.parse(text, file: Self.fileName)
    }

    /// Finds the workspace: the explicit folder if given, else the current folder or its nearest
    /// parent holding `strata.yaml`, as git finds a repository.
    public static func find(explicit: String?, from start: URL) throws(WorkspaceError) -> Workspace {
        if let explicit {
            let url =
                (explicit.hasPrefix("/") ? URL(fileURLWithPath: explicit) : start.appendingPathComponent(explicit))
                .standardizedFileURL
            guard FileManager.default.fileExists(atPath: url.appendingPathComponent(fileName).path) else {
                throw WorkspaceError(
                    "\(explicit) is not a Strata workspace (no \(fileName)); create one with `strata init \(explicit)`")
            }
            return try Workspace(root: url)
        }
        var folder = start.standardizedFileURL
        while true {
            if FileManager.default.fileExists(atPath: folder.appendingPathComponent(fileName).path) {
                return try Workspace(root: folder)
            }
            let parent = folder.deletingLastPathComponent()
            if parent.path == folder.path { break }
            folder = parent
        }
        throw WorkspaceError(
            "not inside a Strata workspace (no \(fileName) here or in any parent folder); use -w DIR or `strata init DIR`"
        )
    }

    /// Creates a workspace folder with `strata.yaml`, the definition folders, `data/` and a `.gitignore`.
    /// Refuses to overwrite an existing `strata.yaml`.
    @discardableResult
    public static func create(at root: URL, name: String? = nil) throws(WorkspaceError) -> Workspace {
        let manager = FileManager.default
        let file = root.appendingPathComponent(fileName)
        if manager.fileExists(atPath: file.path) {
            throw WorkspaceError("\(root.path) already holds a \(fileName)")
        }
        let workspaceName = name ?? root.standardizedFileURL.lastPathComponent
        do {
            for folder in ["segments", "scores", "stages", "data"] {
                try manager.createDirectory(
                    at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
            }
            let settings = """
                # Strata workspace settings.
                name: \(workspaceName)
                # IANA time zone for calendar windows, $weekday, $hour and dates in definitions.
                timezone: UTC
                # The embedded store (a SQLite database under data/).
                store: sqlite

                """
            try settings.write(to: file, atomically: true, encoding: .utf8)
            try "data/\n".write(to: root.appendingPathComponent(".gitignore"), atomically: true, encoding: .utf8)
        } catch {
            throw WorkspaceError("cannot create the workspace at \(root.path): \(PlainError.describe(error))")
        }
        return try Workspace(root: root)
    }

    /// The embedded database file.
    public var databaseURL: URL {
        switch config.store {
        case .sqlite(let path):
            (path.hasPrefix("/") ? URL(fileURLWithPath: path) : root.appendingPathComponent(path)).standardizedFileURL
        }
    }

    /// Whether the store holds anything yet (its database file exists).
    public var hasStore: Bool { FileManager.default.fileExists(atPath: databaseURL.path) }

    /// Parses the text of `strata.yaml`, naming line and column of every mistake.
    public static func parse(_ text: String, file: String) throws(WorkspaceError) -> Config {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw WorkspaceError("\(file): invalid YAML: \(error)")
        }
        guard let mapping = node?.mapping else {
            throw WorkspaceError("\(file):1:1: expected a mapping with name, timezone and store")
        }
        var config = Config(name: "strata", timezone: .utc, store: .sqlite(path: Config.defaultDatabase))
        var clickhouseStore: String?
        for (key, value) in mapping {
            let where_ = "\(file):\(key.mark?.description ?? "1:1")"
            guard let name = key.string, Config.keys.contains(name) else {
                let found = key.string ?? "?"
                let hint = Suggestion.nearest(to: found, in: Config.keys).map { "; did you mean `\($0)`?" } ?? ""
                throw WorkspaceError(
                    "\(where_): unknown key `\(found)`, expected one of \(Config.keys.joined(separator: ", "))\(hint)")
            }
            let valueWhere = "\(file):\(value.mark?.description ?? "1:1")"
            switch name {
            case "name":
                guard let string = value.string, !string.isEmpty else {
                    throw WorkspaceError("\(valueWhere): `name` must be a non-empty string")
                }
                config.name = string
            case "timezone":
                guard let identifier = value.string, let zone = Zone(identifier: identifier) else {
                    throw WorkspaceError(
                        "\(valueWhere): `timezone` must be an IANA time zone such as UTC or Europe/Berlin, found `\(value.string ?? "?")`"
                    )
                }
                config.timezone = zone
            case "store" where value.string == "clickhouse":
                clickhouseStore = valueWhere
            case "store":
                config.store = try parseStore(value, at: valueWhere)
            case "clickhouse":
                guard let section = value.mapping else {
                    throw WorkspaceError(
                        "\(valueWhere): `clickhouse` must be a mapping with url, database and the like")
                }
                config.clickhouse = Config.Section(
                    place: where_,
                    entries: section.map { key, value in
                        Config.Section.Entry(
                            key: key.string ?? "?", value: value.scalar?.string,
                            items: value.sequence.flatMap { list in
                                let items = list.compactMap(\.scalar?.string)
                                return items.count == list.count ? items : nil
                            },
                            keyPlace: "\(file):\(key.mark?.description ?? "1:1")",
                            valuePlace: "\(file):\(value.mark?.description ?? "1:1")")
                    })
            case "cors_origins":
                config.corsOrigins = try parseOrigins(value, file: file)
            case "server":
                config.server = try parseServerLimits(value, file: file)
            default:
                break  // `keys` belongs to the server; `public_url` and `messaging` to the activations.
            }
        }
        switch (clickhouseStore, config.clickhouse) {
        case (let place?, nil):
            throw WorkspaceError("\(place): `store: clickhouse` needs a `clickhouse:` section with at least `url`")
        case (nil, let section?):
            throw WorkspaceError("\(section.place): the `clickhouse` settings are read only with `store: clickhouse`")
        default:
            return config
        }
    }

    private static func parseStore(_ value: Node, at place: String) throws(WorkspaceError) -> Config.Store {
        if let kind = value.string {
            guard kind == "sqlite" else {
                throw WorkspaceError(
                    "\(place): unknown store `\(kind)`, expected `sqlite`, `{sqlite: PATH}` or `clickhouse`")
            }
            return .sqlite(path: Config.defaultDatabase)
        }
        if let mapping = value.mapping, mapping.count == 1, let (key, path) = mapping.first.map({ ($0.key, $0.value) })
        {
            if key.string == "sqlite", let path = path.string, !path.isEmpty { return .sqlite(path: path) }
        }
        throw WorkspaceError("\(place): expected `store: sqlite`, `store: {sqlite: PATH}` or `store: clickhouse`")
    }
}

/// A workspace that cannot be found, read or created; the message names the file and place.
public struct WorkspaceError: Error, Sendable, CustomStringConvertible {
    /// What went wrong and where.
    public var message: String

    /// An error with a message.
    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
