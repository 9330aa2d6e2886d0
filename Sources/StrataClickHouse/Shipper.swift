import StrataCore
import StrataStore

/// Ships the message log to ClickHouse: every stored message after the last one ClickHouse holds,
/// in large batches, in log order.
///
/// At least once, stored once: a batch is the log's messages of a range of sequences. Once every
/// shard has acknowledged it (a synchronous insert), its end is recorded in the `shipments` table,
/// and the next shipment starts after the last one recorded. Before writing a batch the shipper asks
/// which of its sequences ClickHouse already holds (a batch that failed half-way, on one shard of two,
/// say) and leaves those out. The log's own ids are unique, so a sequence stands for a messageId. One
/// shipper at a time per database.
public struct Shipper: Sendable {
    /// The settings of the server or cluster.
    public let settings: Settings
    /// Log sequences per batch.
    public var batchSize: Int64

    /// A shipper to the server or cluster the settings name.
    public init(settings: Settings, batchSize: Int64 = 50_000) {
        self.settings = settings
        self.batchSize = batchSize
    }

    /// What a shipment did.
    public struct Result: Sendable, Equatable {
        /// Messages written now.
        public var shipped = 0
        /// Messages of the batches ClickHouse already held, not written again.
        public var alreadyThere = 0
        /// The last log sequence ClickHouse holds after it.
        public var sequence: Int64 = 0
    }

    /// Creates the tables where missing and ships every message of the log ClickHouse lacks.
    public func ship(_ store: some MessageLog & IdentityStore) async throws -> Result {
        try await Schema.create(settings)
        let client = Client(settings: settings)
        let table = "\(settings.database).\(Schema.table)"
        var result = Result()
        let shipments = "\(settings.database).\(Schema.shipments)"
        result.sequence = try await Self.integer(client.rows("SELECT max(high) FROM \(shipments)"))
        let last = try store.lastSequence()
        guard result.sequence < last else { return result }
        // Shard keys are the canonical profile ids as the log knows them now.
        let graph = try await store.identityGraph(asOf: Int64.max)
        let parameters = settings.cluster == nil ? [:] : ["insert_distributed_sync": "1"]
        while result.sequence < last {
            let low = result.sequence + 1
            let high = min(last, result.sequence + batchSize)
            let present = Set(
                try await client.rows("SELECT seq FROM \(table) WHERE seq >= \(low) AND seq <= \(high)").compactMap {
                    $0.first.flatMap { Int64($0) }
                })
            var rows: [UInt8] = []
            for (sequence, message) in try store.messages(sequences: Array(low...high), payloadKeys: nil) {
                if present.contains(sequence) {
                    result.alreadyThere += 1
                    continue
                }
                let key = graph.profileKey(userId: message.userId, anonymousId: message.anonymousId) ?? ""
                guard let row = Row.json(message, sequence: sequence, shardKey: key) else { continue }
                JSONWriter.write(row, into: &rows)
                rows.append(0x0A)
                result.shipped += 1
            }
            if !rows.isEmpty {
                try await client.insert("INSERT INTO \(table) FORMAT JSONEachRow", rows: rows, parameters: parameters)
            }
            try await client.execute("INSERT INTO \(shipments) (high) VALUES (\(high))")
            result.sequence = high
        }
        return result
    }

    /// The one integer a query answers.
    static func integer(_ rows: [[String]]) throws(ClickHouseError) -> Int64 {
        guard let text = rows.first?.first, let value = Int64(text) else {
            throw ClickHouseError("ClickHouse answered \(rows) where a number was expected")
        }
        return value
    }
}
