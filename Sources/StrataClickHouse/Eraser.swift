import StrataStore

/// Deletes from ClickHouse the copies of messages erased from the log: the sequences the log erased
/// (``StrataStore/ErasureStore/erasedSequences(after:limit:)``) that ClickHouse has not yet deleted.
///
/// At least once, like shipping: each step deletes a run of erased sequences from the messages table
/// (from each shard's own table on a cluster) with `ALTER TABLE ... DELETE`, waits until every node
/// has carried the deletion out, and only then records the run's last erasure mark in the table
/// `erasures` (on the node of `url`). A step that fails is done again whole by the next one; deleting
/// a row already gone deletes nothing.
public struct Eraser: Sendable {
    /// The settings of the server or cluster.
    public let settings: Settings
    /// Erased sequences per deletion: the statement lists them all.
    public var batchSize: Int

    /// The table of erasure marks carried out.
    static let marks = "erasures"
    /// How long a deletion may take on a node before the step fails.
    static let patience = Duration.seconds(600)

    /// An eraser of the server or cluster the settings name.
    public init(settings: Settings, batchSize: Int = 5_000) {
        self.settings = settings
        self.batchSize = batchSize
    }

    /// Creates the tables where missing and deletes every erased message ClickHouse may hold; returns
    /// how many erased sequences were carried out now.
    public func apply(_ store: some ErasureStore) async throws -> Int {
        try await Schema.create(settings)
        let client = Client(settings: settings)
        let marks = "\(settings.database).\(Self.marks)"
        try await client.execute("CREATE TABLE IF NOT EXISTS \(marks) (high Int64) ENGINE = MergeTree ORDER BY high")
        var applied = try await Shipper.integer(client.rows("SELECT max(high) FROM \(marks)"))
        // Each shard's own table on a cluster: a mutation of a Distributed table is refused.
        let targets =
            settings.cluster == nil
            ? [(client, "\(settings.database).\(Schema.table)")]
            : settings.nodes.map { (Client(settings: settings.node($0)), "\(settings.database).\(Schema.localTable)") }
        var carried = 0
        while true {
            let erased = try await store.erasedSequences(after: applied, limit: batchSize)
            guard let last = erased.last else { return carried }
            let list = erased.map { String($0.sequence) }.joined(separator: ",")
            for (node, table) in targets {
                try await node.execute("ALTER TABLE \(table) DELETE WHERE seq IN (\(list))")
                try await Self.waitForMutations(of: table, on: node)
            }
            try await client.execute("INSERT INTO \(marks) (high) VALUES (\(last.mark))")
            applied = last.mark
            carried += erased.count
        }
    }

    /// Waits until a node has carried out every mutation of a table (they run in the background).
    static func waitForMutations(of table: String, on node: Client) async throws {
        let parts = table.split(separator: ".", maxSplits: 1).map(String.init)
        let pending = """
            SELECT count() FROM system.mutations
            WHERE database = \(SQL.string(parts[0])) AND table = \(SQL.string(parts[1])) AND is_done = 0
            """
        let deadline = ContinuousClock.now + patience
        while try await Shipper.integer(node.rows(pending)) > 0 {
            guard ContinuousClock.now < deadline else {
                throw ClickHouseError(
                    "ClickHouse at \(node.settings.url) has not carried out the deletion of erased messages from "
                        + "\(table) within \(patience)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
