import StrataCore
import StrataLanguage

extension SQLCompiler {
    /// Where the scan of a query reads and whose rows it groups.
    struct Scan {
        /// The table of messages.
        var table: String
        /// A row's user profile id as of the instant (``IdentityMap``).
        var user: String
        /// The account of a row's user profile as of the instant, '' for none (``AccountMap``).
        var account: String
        /// The profiles grouped: users, or accounts (LANGUAGE.md §6: an account's events are every
        /// event of its users, its traits those of the group calls naming it).
        var kind: ProfileKind = .users
    }

    /// A row's profile in the scan: its user's, or with accounts the account of its user (the groupId
    /// of the user's latest group call), a group call's own being the account it names; '' for a row
    /// of a user without an account, which belongs to no account.
    var profile: String {
        scan.kind == .users ? scan.user : "if(kind = \(Message.Kind.group.code), group_id, \(scan.account))"
    }

    /// This compiler with the scan grouping another kind of profile.
    func over(_ kind: ProfileKind) -> SQLCompiler {
        var compiler = self
        compiler.scan.kind = kind
        return compiler
    }

    /// This compiler over the other kind of profile, for a construct valid only in a definition of `kind`
    /// that reads the other kind (`account.` reads accounts from users, `count_users` the reverse).
    private func crossing(
        from kind: ProfileKind, _ construct: String, _ e: TypedExpr
    ) throws(Unsupported) -> SQLCompiler {
        guard scan.kind == kind else {
            throw Unsupported(message: "\(construct) is only valid in a definition of \(kind.rawValue)", range: e.range)
        }
        return over(kind == .users ? .accounts : .users)
    }

    /// The account of the user whose rows are aggregated: the groupId of its latest group call, or ''.
    static let accountOfUser =
        "argMaxIf(group_id, (time, received_at, seq), kind = \(Message.Kind.group.code))"

    /// The query grouping the scan's rows at or before now by profile: the profile (`profile`), then
    /// `columns`, of the profiles for which `having` holds. With accounts, the rows of users without
    /// one are left out.
    func grouped(_ columns: [String], having: String? = nil) -> String {
        let conditions = (scan.kind == .accounts ? ["profile != ''"] : []) + (having.map { [$0] } ?? [])
        let select = (["\(profile) AS profile"] + columns).joined(separator: ", ")
        let having = conditions.isEmpty ? "" : " HAVING \(conditions.joined(separator: " AND "))"
        return "SELECT \(select) FROM \(scan.table) WHERE time <= \(now) GROUP BY profile\(having)"
    }

    /// `$user` of a row: the id of its user's profile when that profile has a userId (LANGUAGE.md §4:
    /// the events of an anonymous id merged into a user are that user's), else NULL.
    var userOfRow: String {
        "if(\(hasUser), toNullable(\(scan.user)), CAST(NULL AS Nullable(String)))"
    }

    /// The condition on a row that its user's profile has a userId: some message of the profile at or
    /// before now carries one.
    var hasUser: String {
        "\(scan.user) GLOBAL IN (SELECT \(scan.user) FROM \(scan.table) WHERE time <= \(now) AND user_id != '')"
    }

    /// `account.EXPR` in a segment of users: EXPR evaluated for the user's account (every account's
    /// value worked out in a scalar subquery, looked up by the user's account); for a user without an
    /// account, missing, or false when EXPR is a condition.
    func account(_ inner: TypedExpr, _ e: TypedExpr) throws(Unsupported) -> Value {
        let accounts = try crossing(from: .users, "`account.`", e)
        let value = try accounts.value(inner, .profile)
        let parts: [String]
        switch value {
        case .number(let sql), .string(let sql), .bool(let sql): parts = [sql]
        case .dynamic(let type, let number, let string): parts = [type, number, string]
        }
        let names = parts.indices.map { "account_value_\($0)" }
        let table = Lookup(
            accounts.grouped(zip(parts, names).map { "\($0) AS \($1)" }), columns: names, prefix: "account_values")
        // The subquery is written out at the first read and named at the others.
        let read = parts.indices.map { table.value($0, of: Self.accountOfUser, defining: $0 == 0) }
        switch value {
        case .number: return .number(read[0])
        case .string: return .string(read[0])
        case .bool: return .bool(read[0])
        case .dynamic: return .dynamic(type: read[0], number: read[1], string: read[2])
        }
    }

    /// `count_users(COND)` in a segment of accounts: how many of the account's users COND holds for
    /// (every account's count worked out in a scalar subquery of the users, looked up by the account).
    func countUsers(_ inner: TypedExpr, _ e: TypedExpr) throws(Unsupported) -> String {
        let users = try crossing(from: .accounts, "`count_users`", e)
        let held = try users.bool(inner, .profile)
        let perUser = users.grouped(["\(Self.accountOfUser) AS user_account", "toUInt64(\(held)) AS held"])
        let counts = Lookup(
            "SELECT user_account, sum(held) AS user_count FROM (\(perUser)) WHERE user_account != '' "
                + "GROUP BY user_account",
            key: "user_account", columns: ["user_count"], prefix: "account_users")
        return "toFloat64(\(counts.value(0, of: "profile")))"
    }

    /// A table of values by profile id, read from a scalar subquery: the subquery's rows (a `key`
    /// column of profile ids, then `columns`) gathered as arrays sorted by id, the ids preceded by ''
    /// at position 0 (`transform` refuses empty lists; no profile has the empty id). Sorted, since a
    /// subquery written out twice in a query (two references to one account value) runs twice, and
    /// ClickHouse refuses one name given to two different answers.
    struct Lookup {
        /// The scalar subquery: a tuple of the profile ids, their positions, then each column.
        let subquery: String
        /// The name the subquery is given, from a hash of its text.
        let name: String

        init(_ rows: String, key: String = "profile", columns: [String], prefix: String) {
            let gathered = ([key] + columns).joined(separator: ", ")
            let arrays = columns.indices.map { ", arrayMap(x -> x.\($0 + 2), g)" }
            subquery = """
                (SELECT (arrayPushFront(arrayMap(x -> x.1, g), ''), arrayPushFront(arrayEnumerate(g), toUInt32(0))\
                \(arrays.joined())) FROM (SELECT arraySort(x -> x.1, groupArray(tuple(\(gathered)))) AS g FROM (\(rows))))
                """
            name = SQLCompiler.name(prefix, of: subquery)
        }

        /// A column's value for the profile id `key`: its type's default (NULL, 0 or '') for an id
        /// without a row, read at position 0. The subquery is written out when `defining`, else read
        /// by its name, which another read of the query defines. (A shard is sent the query as 18.16
        /// prints it, which writes `arrayElement(tupleElement(t, 3), i)` as `t.3[i]`, a form its parser
        /// refuses: `identity` keeps the column a function call, `identity(t.3)[i]`.)
        func value(_ column: Int, of key: String, defining: Bool = true) -> String {
            let keys = defining ? "(\(subquery) AS \(name))" : name
            let position = "transform(\(key), tupleElement(\(keys), 1), tupleElement(\(name), 2), toUInt32(0))"
            return "arrayElement(identity(tupleElement(\(name), \(column + 3))), \(position))"
        }
    }

    /// A name for a scalar subquery, from a hash of its text: the same subquery written out twice in a
    /// query has one name.
    static func name(_ prefix: String, of subquery: String) -> String {
        let (high, low) = Hash.hash128(Array(subquery.utf8))
        return "\(prefix)_\(String(high, radix: 16))_\(String(low, radix: 16))"
    }
}
