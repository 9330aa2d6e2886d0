import StrataCore

/// The profile id of every row as of an instant, as a SQL expression over the row's node.
///
/// The identity links the messages at or before the instant make are read from ClickHouse (each with
/// the earliest message that made it), applied in time order to an ``IdentityGraph`` as the in-memory
/// engine applies them, and the ids whose profile is not their own are mapped in the query with
/// `transform`; every other row's profile is its own id.
enum IdentityMap {
    /// The SQL expression of a row's profile id as of `now`.
    static func profileExpression(_ client: Client, table: String, now: Int64) async throws(ClickHouseError) -> String {
        let alias = Message.Kind.alias.code
        let rows = try await client.rows(
            """
            SELECT kind = \(alias), user_id, anonymous_id, previous_id, min((time, received_at, seq)) AS stamp
            FROM \(table)
            WHERE time <= \(now) AND (kind = \(alias) OR (user_id != '' AND anonymous_id != ''))
            GROUP BY kind = \(alias), user_id, anonymous_id, previous_id
            ORDER BY stamp
            """)
        var graph = IdentityGraph()
        var nodes: Set<IdentityGraph.Node> = []
        for row in rows where row.count == 5 {
            func id(_ text: String) -> String? { text.isEmpty ? nil : text }
            let isAlias = row[0] == "1"
            let (userId, anonymousId, previousId) = (id(row[1]), id(row[2]), isAlias ? id(row[3]) : nil)
            guard let time = Self.time(ofStamp: row[4]) else {
                throw ClickHouseError(
                    "ClickHouse answered a link stamp `\(row[4])` that is not (time, receivedAt, seq)")
            }
            graph.apply(
                Message(
                    kind: isAlias ? .alias : .identify, messageId: "", userId: userId, anonymousId: anonymousId,
                    previousId: previousId, timestamp: time, receivedAt: time))
            for user in [userId, previousId].compactMap({ $0 }) { nodes.insert(.init(id: user, isUser: true)) }
            for anonymous in [anonymousId, previousId].compactMap({ $0 }) {
                nodes.insert(.init(id: anonymous, isUser: false))
            }
        }
        var from: [String] = []
        var to: [String] = []
        for node in nodes.sorted(by: { ($0.id, $0.isUser ? 1 : 0) < ($1.id, $1.isUser ? 1 : 0) }) {
            guard let key = graph.profileKey(of: node), key != node.id else { continue }
            from.append((node.isUser ? "u" : "a") + node.id)
            to.append(key)
        }
        let own = "substring(node, 2)"
        guard !from.isEmpty else { return own }
        return "transform(node, \(SQL.strings(from)), \(SQL.strings(to)), \(own))"
    }

    /// The time of a `(time, received_at, seq)` tuple as ClickHouse prints it: `(12,34,5)`.
    static func time(ofStamp text: String) -> Int64? {
        guard text.hasPrefix("("), let comma = text.firstIndex(of: ",") else { return nil }
        return Int64(text[text.index(after: text.startIndex)..<comma])
    }
}
