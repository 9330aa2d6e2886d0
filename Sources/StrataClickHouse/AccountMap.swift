import StrataCore

/// The account of every user profile as of an instant, as a SQL expression over a row's user profile.
///
/// A user's account is the groupId of its latest group call (by time, receipt time and sequence) at
/// or before the instant, as the in-memory engine has it. It is read from ClickHouse before the
/// segments' queries and written into them as literals (`transform`): a query grouping rows by account
/// cannot work the accounts out in a subquery, since 18.16 names such a key differently on the shards
/// and on the node merging their answers.
enum AccountMap {
    /// The SQL expression of a row's account ('' for a user without one), given the expression of its
    /// user profile (``IdentityMap``).
    static func accountExpression(
        _ client: Client, table: String, user: String, now: Int64, parameters: [String: String]
    ) async throws(ClickHouseError) -> String {
        let rows = try await client.rows(
            """
            SELECT \(user) AS profile, \(SQLCompiler.accountOfUser) AS account
            FROM \(table) WHERE time <= \(now) AND kind = \(Message.Kind.group.code)
            GROUP BY profile ORDER BY profile
            """, parameters: parameters)
        var users: [String] = []
        var accounts: [String] = []
        for row in rows {
            guard row.count == 2 else {
                throw ClickHouseError("ClickHouse answered a user's account with \(row)")
            }
            users.append(row[0])
            accounts.append(row[1])
        }
        guard !users.isEmpty else { return "''" }
        return "transform(\(user), \(SQL.strings(users)), \(SQL.strings(accounts)), '')"
    }
}
