import StrataCore
import StrataEngine
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
        /// With a listing asked for, each segment's members with what it lists, sorted by id.
        public var listed: [String: [Listed]] = [:]
    }

    /// A member with what `strata members --format csv|jsonl` lists.
    public struct Listed: Sendable, Equatable {
        /// The profile or account id.
        public var id: String
        /// The time of the first event, nil without events.
        public var firstSeen: Int64?
        /// The time of the last event, nil without events.
        public var lastSeen: Int64?
        /// How many events there are.
        public var events: Int
        /// The value of each trait asked for, in order (missing when absent or null).
        public var traits: [Value]

        /// A member's listing from its parts.
        public init(id: String, firstSeen: Int64?, lastSeen: Int64?, events: Int, traits: [Value]) {
            self.id = id
            self.firstSeen = firstSeen
            self.lastSeen = lastSeen
            self.events = events
            self.traits = traits
        }
    }

    /// The members of each named segment as of an instant, and the number of profiles; with `listing`,
    /// each member's events and the traits of those paths too (``Answer/listed``).
    public func members(
        of names: [String], asOf now: Int64, listing: [[String]]? = nil
    ) async throws(ClickHouseError) -> Answer {
        let scan = try await Prepared(self, asOf: now)
        var result = Answer(members: [:], profiles: scan.profiles, accounts: scan.accounts)
        for name in names {
            let segment = try self.segment(named: name)
            let sql: String
            do throws(SQLCompiler.Unsupported) {
                sql = try scan.compiler.membersQuery(
                    segment, table: scan.table, user: scan.profile, account: scan.account, traits: listing)
            } catch {
                throw ClickHouseError(Self.diagnostic(error, file: segment.file).description)
            }
            let started = ContinuousClock.now
            let rows = try await scan.rows(sql)
            let elapsed = ContinuousClock.now - started
            result.seconds[name] =
                Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            result.members[name] = rows.compactMap(\.first).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            if let listing {
                result.listed[name] = try rows.map { (row) throws(ClickHouseError) in try Self.listed(row, listing) }
                    .sorted { $0.id.utf8.lexicographicallyPrecedes($1.id.utf8) }
            }
        }
        return result
    }

    /// What every evaluation as of an instant starts from: the profile of a row as of the instant
    /// (``IdentityMap``), the counts of profiles and accounts, the users' accounts (``AccountMap``) and
    /// a compiler for the instant.
    struct Prepared {
        let client: Client
        let table: String
        let profile: String
        let account: String
        let profiles: Int
        let accounts: Int
        let compiler: SQLCompiler
        /// The identity map travels in the query: let it be longer than the default 256 KiB.
        static let large = ["max_query_size": String(1 << 30)]

        init(_ evaluator: Evaluator, asOf now: Int64) async throws(ClickHouseError) {
            client = Client(settings: evaluator.settings)
            table = "\(evaluator.settings.database).\(Schema.table)"
            profile = try await IdentityMap.profileExpression(client, table: table, now: now)
            let overview = try await client.rows(
                """
                SELECT uniqExact(\(profile)), uniqExactIf(group_id, kind = \(Message.Kind.group.code)), min(time)
                FROM \(table) WHERE time <= \(now)
                """, parameters: Self.large)
            guard let counts = overview.first, counts.count == 3, let profiles = Int(counts[0]),
                let accounts = Int(counts[1]), let earliest = Int64(counts[2])
            else {
                throw ClickHouseError("ClickHouse answered the count of profiles with \(overview)")
            }
            self.profiles = profiles
            self.accounts = accounts
            // The users' accounts, when there are any: a segment of accounts groups rows by them.
            account =
                accounts == 0
                ? "''"
                : try await AccountMap.accountExpression(
                    client, table: table, user: profile, now: now, parameters: Self.large)
            compiler = SQLCompiler(
                definitions: evaluator.definitions, now: now, zone: evaluator.zone,
                earliest: profiles == 0 ? now : earliest)
        }

        /// The rows a compiled query answers.
        func rows(_ sql: String) async throws(ClickHouseError) -> [[String]] {
            try await client.rows(sql, parameters: Self.large)
        }
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

    /// A member's listing from its row: the id, the number of events, the first and last times, then
    /// each trait's type code, number and string.
    static func listed(_ row: [String], _ traits: [[String]]) throws(ClickHouseError) -> Listed {
        guard row.count == 4 + 3 * traits.count, let events = Int(row[1]), let first = Int64(row[2]),
            let last = Int64(row[3])
        else {
            throw ClickHouseError("ClickHouse answered a member's listing with \(row)")
        }
        var values: [Value] = []
        for index in traits.indices {
            let (type, number, string) = (row[4 + 3 * index], row[5 + 3 * index], row[6 + 3 * index])
            switch Int(type) {
            case Row.TypeCode.absent, Row.TypeCode.null:
                values.append(.missing)
            case Row.TypeCode.number:
                guard let n = Double(number) else { throw ClickHouseError("ClickHouse answered a trait with \(row)") }
                values.append(.number(n))
            case Row.TypeCode.string:
                values.append(.string(string))
            case Row.TypeCode.bool:
                values.append(.bool(number == "1"))
            case Row.TypeCode.other:
                do {
                    values.append(Value(try JSONParser.parse(string)))
                } catch {
                    throw ClickHouseError("ClickHouse answered a trait that is not JSON: \(error.message)")
                }
            default:
                throw ClickHouseError("ClickHouse answered a trait of an unknown type with \(row)")
            }
        }
        let seen = events > 0
        return Listed(
            id: row[0], firstSeen: seen ? first : nil, lastSeen: seen ? last : nil, events: events, traits: values)
    }

    static func diagnostic(_ error: SQLCompiler.Unsupported, file: String) -> Diagnostic {
        Diagnostic(
            .error, .unsupportedOnClickHouse, "\(error.message) (store: clickhouse)", file: file, at: error.range)
    }
}
