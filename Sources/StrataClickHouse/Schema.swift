/// Strata's tables in ClickHouse: one table of messages, one row per stored message.
///
/// On one server `messages` is a MergeTree table. With a cluster, each shard holds `messages_local`
/// (created on each node, since `ON CLUSTER` needs ZooKeeper) and every node a Distributed table
/// `messages` over them, sharded by the canonical profile id the message had when it was shipped.
/// Evaluation groups by the profile id as of its instant, so a profile whose messages sit on two
/// shards (ids merged after they were shipped) still gets one answer: the Distributed table merges
/// the shards' partial aggregates.
///
/// Columns: the node (`u` + userId, else `a` + anonymousId), the ids (the groupId of group calls
/// included), the message id and log sequence, the type (``StrataCore/Message/Kind/code``), event time
/// and receipt time in milliseconds, the event name, and the properties of events or the traits of
/// identify and group calls flattened to parallel arrays (``Row``).
public enum Schema {
    /// The columns of the messages table.
    static let columns = """
        node String,
        shard_key String,
        user_id String,
        anonymous_id String,
        previous_id String,
        group_id String,
        message_id String,
        seq Int64,
        kind UInt8,
        time Int64,
        received_at Int64,
        name String,
        keys Array(String),
        types Array(UInt8),
        nums Array(Float64),
        strs Array(String)
        """

    /// The table evaluation reads and shipping writes (Distributed with a cluster).
    public static let table = "messages"
    /// The per-shard table of a cluster.
    static let localTable = "messages_local"
    /// The log sequences shipped whole: one row per batch every shard acknowledged, on the node of
    /// `url` (see ``Shipper``).
    public static let shipments = "shipments"

    /// Creates the database and tables where they are missing: on each node of the cluster, or on
    /// the one server.
    public static func create(_ settings: Settings) async throws(ClickHouseError) {
        try await Client(settings: bare(settings)).execute("CREATE DATABASE IF NOT EXISTS \(settings.database)")
        try await Client(settings: settings).execute(
            "CREATE TABLE IF NOT EXISTS \(settings.database).\(shipments) (high Int64) ENGINE = MergeTree ORDER BY high"
        )
        guard let cluster = settings.cluster else {
            try await createTable(Client(settings: settings), name: table, database: settings.database)
            return
        }
        let shards = try await Client(settings: bare(settings)).rows(
            "SELECT count(DISTINCT shard_num) FROM system.clusters WHERE cluster = \(SQL.string(cluster))")
        guard let count = shards.first?.first.flatMap(Int.init), count > 0 else {
            throw ClickHouseError(
                "ClickHouse at \(settings.url) knows no cluster `\(cluster)` in its remote_servers (clickhouse.cluster)"
            )
        }
        guard count == settings.nodes.count else {
            throw ClickHouseError(
                "cluster `\(cluster)` has \(count) shard\(count == 1 ? "" : "s") but clickhouse.nodes names "
                    + "\(settings.nodes.count): name one node per shard")
        }
        for node in settings.nodes {
            let client = Client(settings: settings.node(node))
            try await createTable(client, name: localTable, database: settings.database)
            try await client.execute(
                """
                CREATE TABLE IF NOT EXISTS \(settings.database).\(table) AS \(settings.database).\(localTable)
                ENGINE = Distributed(\(cluster), \(settings.database), \(localTable), cityHash64(shard_key))
                """)
        }
    }

    /// The settings for statements that must not need Strata's database, which may not exist yet.
    private static func bare(_ settings: Settings) -> Settings {
        var bare = settings
        bare.database = "default"
        return bare
    }

    /// Creates a MergeTree table of messages where missing, and refuses one made by an earlier version
    /// without a column of today's (its rows lack what evaluation reads: ship them again).
    private static func createTable(_ client: Client, name: String, database: String) async throws(ClickHouseError) {
        try await Client(settings: bare(client.settings)).execute("CREATE DATABASE IF NOT EXISTS \(database)")
        try await client.execute(
            """
            CREATE TABLE IF NOT EXISTS \(database).\(name) (\(columns))
            ENGINE = MergeTree ORDER BY (node, time, seq)
            """)
        let found = try await client.rows(
            "SELECT name FROM system.columns WHERE database = \(SQL.string(database)) AND table = \(SQL.string(name))")
        let expected = columns.split(separator: "\n").compactMap { $0.split(separator: " ").first.map(String.init) }
        let missing = expected.filter { column in !found.contains { $0.first == column } }
        guard missing.isEmpty else {
            throw ClickHouseError(
                "table \(database).\(name) at \(client.settings.url) was made by an earlier version of Strata and "
                    + "lacks the column\(missing.count == 1 ? "" : "s") \(missing.joined(separator: ", ")): drop the "
                    + "database \(database) so that the messages are shipped again")
        }
    }
}
