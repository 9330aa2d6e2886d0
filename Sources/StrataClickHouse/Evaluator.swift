import StrataCore
import StrataLanguage

/// Evaluates segments inside ClickHouse: one query per segment over the shipped messages
/// (``Shipper``), compiled by ``SQLCompiler`` for the evaluation instant.
public struct Evaluator: Sendable {
    /// Where the messages are.
    public let settings: Settings
    /// The checked definitions.
    public let definitions: Definitions
    /// The workspace time zone.
    public let zone: Zone

    /// An evaluator of a workspace's definitions on the server or cluster the settings name.
    public init(settings: Settings, definitions: Definitions, zone: Zone) {
        self.settings = settings
        self.definitions = definitions
        self.zone = zone
    }

    /// What an evaluation found.
    public struct Answer: Sendable, Equatable {
        /// The members of each segment (users or accounts), sorted by bytes.
        public var members: [String: [String]]
        /// How many profiles there are as of the instant (every id with a message at or before it).
        public var profiles: Int
        /// How many accounts there are as of the instant (every groupId of a group call at or before it).
        public var accounts: Int
        /// The seconds each segment's query took.
        public var seconds: [String: Double] = [:]
    }

    /// The members of each named segment as of an instant, and the number of profiles.
    public func members(of names: [String], asOf now: Int64) async throws(ClickHouseError) -> Answer {
        let client = Client(settings: settings)
        let table = "\(settings.database).\(Schema.table)"
        let profile = try await IdentityMap.profileExpression(client, table: table, now: now)
        let large = ["max_query_size": String(1 << 30)]
        let overview = try await client.rows(
            """
            SELECT uniqExact(\(profile)), uniqExactIf(group_id, kind = \(Message.Kind.group.code)), min(time)
            FROM \(table) WHERE time <= \(now)
            """, parameters: large)
        guard let counts = overview.first, counts.count == 3, let profiles = Int(counts[0]),
            let accounts = Int(counts[1]), let earliest = Int64(counts[2])
        else {
            throw ClickHouseError("ClickHouse answered the count of profiles with \(overview)")
        }
        // The users' accounts, when there are any: a segment of accounts groups rows by them.
        let account =
            accounts == 0
            ? "''"
            : try await AccountMap.accountExpression(
                client, table: table, user: profile, now: now, parameters: large)
        let compiler = SQLCompiler(
            definitions: definitions, now: now, zone: zone, earliest: profiles == 0 ? now : earliest)
        var result = Answer(members: [:], profiles: profiles, accounts: accounts)
        for name in names {
            guard let segment = definitions.segment(named: name) else {
                throw ClickHouseError("no segment is named `\(name)`")
            }
            let sql: String
            do throws(SQLCompiler.Unsupported) {
                sql = try compiler.membersQuery(segment, table: table, user: profile, account: account)
            } catch {
                throw ClickHouseError(Self.diagnostic(error, file: segment.file).description)
            }
            // The identity map travels in the query: let it be longer than the default 256 KiB.
            let started = ContinuousClock.now
            let rows = try await client.rows(sql, parameters: large)
            let elapsed = ContinuousClock.now - started
            result.seconds[name] =
                Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            result.members[name] = rows.compactMap(\.first).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        }
        return result
    }

    /// An error for every segment outside the subset ClickHouse evaluates, at the construct.
    public static func diagnostics(_ definitions: Definitions, zone: Zone) -> [Diagnostic] {
        let compiler = SQLCompiler(definitions: definitions, now: 0, zone: zone, earliest: 0)
        var diagnostics: [Diagnostic] = []
        for segment in definitions.segments {
            do throws(SQLCompiler.Unsupported) {
                _ = try compiler.condition(of: segment)
            } catch {
                diagnostics.append(diagnostic(error, file: segment.file))
            }
        }
        return diagnostics
    }

    static func diagnostic(_ error: SQLCompiler.Unsupported, file: String) -> Diagnostic {
        Diagnostic(
            .error, .unsupportedOnClickHouse, "\(error.message) (store: clickhouse)", file: file, at: error.range)
    }
}
