import GRDB
import StrataCore

extension SQLiteStore {
    /// The migration of the delivery log and the destinations turned off.
    static func registerDeliveryMigration(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v7-deliveries") { db in
            try db.execute(
                sql: """
                    CREATE TABLE deliveries (
                        id INTEGER PRIMARY KEY,
                        change_id INTEGER NOT NULL,
                        activation TEXT NOT NULL,
                        step INTEGER NOT NULL,
                        segment TEXT NOT NULL,
                        profile TEXT NOT NULL,
                        entered INTEGER NOT NULL,
                        change_instant INTEGER NOT NULL,
                        cause TEXT NOT NULL,
                        destination TEXT NOT NULL,
                        channel TEXT NOT NULL,
                        variant TEXT,
                        status TEXT NOT NULL,
                        attempts INTEGER NOT NULL,
                        last_error TEXT,
                        response_status INTEGER,
                        due_at INTEGER NOT NULL,
                        next_at INTEGER NOT NULL,
                        decided_at INTEGER,
                        finished_at INTEGER,
                        late INTEGER NOT NULL,
                        UNIQUE (change_id, activation, step)
                    );
                    CREATE INDEX deliveries_open ON deliveries(next_at, id)
                        WHERE status IN ('pending', 'held', 'sending', 'retrying');
                    CREATE INDEX deliveries_profile ON deliveries(profile, decided_at);
                    CREATE INDEX deliveries_activation ON deliveries(activation, profile, step);
                    CREATE INDEX deliveries_due ON deliveries(due_at);
                    CREATE TABLE disabled_destinations (
                        name TEXT PRIMARY KEY,
                        fingerprint TEXT NOT NULL,
                        disabled_at INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    """)
        }
    }

    /// The columns a new delivery is written with.
    private static let insertedColumns = """
        change_id, activation, step, segment, profile, entered, change_instant, cause, destination, channel,
        variant, status, attempts, last_error, response_status, due_at, next_at, decided_at, finished_at, late
        """
    /// The columns a delivery is read from (``delivery(_:)``).
    private static let columns = "id, " + insertedColumns

    private static func delivery(_ row: Row) throws -> Delivery {
        let statusName: String = row[12]
        guard let status = Delivery.Status(rawValue: statusName) else {
            throw DatabaseError(message: "unknown delivery status `\(statusName)` in the delivery log")
        }
        return Delivery(
            id: row[0], changeID: row[1], activation: row[2], step: row[3], segment: row[4], profile: row[5],
            entered: row[6], changeInstant: row[7], cause: row[8], destination: row[9], channel: row[10],
            variant: row[11], status: status, attempts: row[13], lastError: row[14], responseStatus: row[15],
            dueAt: row[16], nextAt: row[17], decidedAt: row[18], finishedAt: row[19], late: row[20])
    }

    @discardableResult
    public func enqueue(_ deliveries: [Delivery], consumer: String, through changeID: Int64) async throws -> Int {
        try await pool.write { db in
            let insert = try db.cachedStatement(
                sql: """
                    INSERT OR IGNORE INTO deliveries (\(Self.insertedColumns))
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            // A pending delivery behind one being retried is parked until the retry (``DeliveryStore``).
            let retry = try db.cachedStatement(
                sql: "SELECT max(next_at) FROM deliveries WHERE activation = ? AND profile = ? AND status = 'retrying'")
            var inserted = 0
            for delivery in deliveries {
                var nextAt = delivery.nextAt
                if delivery.status == .pending,
                    let retried = try Int64.fetchOne(retry, arguments: [delivery.activation, delivery.profile])
                {
                    nextAt = max(nextAt, retried)
                }
                try insert.execute(arguments: [
                    delivery.changeID, delivery.activation, delivery.step, delivery.segment, delivery.profile,
                    delivery.entered, delivery.changeInstant, delivery.cause, delivery.destination, delivery.channel,
                    delivery.variant, delivery.status.rawValue, delivery.attempts, delivery.lastError,
                    delivery.responseStatus, delivery.dueAt, nextAt, delivery.decidedAt, delivery.finishedAt,
                    delivery.late,
                ])
                inserted += db.changesCount
            }
            try db.execute(
                sql: """
                    INSERT INTO change_cursors (consumer, change_id) VALUES (?, ?)
                    ON CONFLICT(consumer) DO UPDATE SET change_id = max(change_id, excluded.change_id)
                    """, arguments: [consumer, changeID])
            return inserted
        }
    }

    public func dueDeliveries(at instant: Int64, limit: Int) async throws -> [Delivery] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT \(Self.columns) FROM deliveries d
                    WHERE status IN \(Delivery.Status.sql(Delivery.Status.open)) AND next_at <= ?
                      AND NOT EXISTS (
                        SELECT 1 FROM deliveries e
                        WHERE e.activation = d.activation AND e.profile = d.profile AND e.id < d.id
                          AND e.status IN \(Delivery.Status.sql(Delivery.Status.inProgress)))
                    ORDER BY next_at, id LIMIT ?
                    """, arguments: [instant, limit]
            ).map(Self.delivery)
        }
    }

    public func nextDueInstant(after instant: Int64) async throws -> Int64? {
        try await pool.read { db in
            try Int64.fetchOne(
                db,
                sql: """
                    SELECT min(next_at) FROM deliveries
                    WHERE status IN \(Delivery.Status.sql(Delivery.Status.open)) AND next_at > ?
                    """, arguments: [instant])
        }
    }

    @discardableResult
    public func reopenSending(at instant: Int64) async throws -> Int {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE deliveries SET next_at = ?
                    WHERE status IN \(Delivery.Status.sql(Delivery.Status.open)) AND status = 'sending' AND next_at > ?
                    """, arguments: [instant, instant])
            return db.changesCount
        }
    }

    public func update(_ deliveries: [Delivery]) async throws {
        try await pool.write { db in
            let update = try db.cachedStatement(
                sql: """
                    UPDATE deliveries SET variant = ?, status = ?, attempts = ?, last_error = ?, response_status = ?,
                        next_at = ?, decided_at = ?, finished_at = ?, late = ?
                    WHERE id = ?
                    """)
            // The pending deliveries behind one: parked until its retry, or due again once it is done.
            let park = try db.cachedStatement(
                sql: """
                    UPDATE deliveries SET next_at = max(due_at, ?)
                    WHERE activation = ? AND profile = ? AND id > ? AND status = 'pending' AND next_at < ?
                    """)
            let unpark = try db.cachedStatement(
                sql: """
                    UPDATE deliveries SET next_at = due_at
                    WHERE activation = ? AND profile = ? AND id > ? AND status = 'pending' AND next_at > due_at
                    """)
            for delivery in deliveries {
                try update.execute(arguments: [
                    delivery.variant, delivery.status.rawValue, delivery.attempts, delivery.lastError,
                    delivery.responseStatus, delivery.nextAt, delivery.decidedAt, delivery.finishedAt, delivery.late,
                    delivery.id,
                ])
                switch delivery.status {
                case .retrying:
                    try park.execute(arguments: [
                        delivery.nextAt, delivery.activation, delivery.profile, delivery.id, delivery.nextAt,
                    ])
                case .sending:
                    break
                default:
                    try unpark.execute(arguments: [delivery.activation, delivery.profile, delivery.id])
                }
            }
        }
    }

    public func delivery(id: Int64) async throws -> Delivery? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.columns) FROM deliveries WHERE id = ?", arguments: [id])
                .map(Self.delivery)
        }
    }

    public func deliveries(_ query: DeliveryQuery) async throws -> [Delivery] {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if let activation = query.activation {
            conditions.append("activation = ?")
            arguments += [activation]
        }
        if let profile = query.profile {
            conditions.append("profile = ?")
            arguments += [profile]
        }
        if let status = query.status {
            conditions.append("status = ?")
            arguments += [status.rawValue]
        }
        if let since = query.since {
            conditions.append("due_at >= ?")
            arguments += [since]
        }
        if let before = query.before {
            conditions.append("id < ?")
            arguments += [before]
        }
        arguments += [max(0, query.limit)]
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        return try await pool.read { [arguments] db in
            try Row.fetchAll(
                db, sql: "SELECT \(Self.columns) FROM deliveries \(filter) ORDER BY id DESC LIMIT ?",
                arguments: arguments
            ).map(Self.delivery)
        }
    }

    public func deliveryCounts(activation: String?, since: Int64) async throws -> [Delivery.Status: Int] {
        try await pool.read { db in
            var counts: [Delivery.Status: Int] = [:]
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT status, count(*) FROM deliveries
                    WHERE due_at >= ? AND (? IS NULL OR activation = ?) GROUP BY status
                    """, arguments: [since, activation, activation])
            for row in rows {
                if let status = Delivery.Status(rawValue: row[0]) { counts[status] = row[1] }
            }
            return counts
        }
    }

    public func cappedCount(profile: String, channel: String?, since: Int64) async throws -> Int {
        try await pool.read { db in
            try Int.fetchOne(
                db,
                sql: """
                    SELECT count(*) FROM deliveries
                    WHERE profile = ? AND decided_at >= ? AND status IN \(Delivery.Status.sql(Delivery.Status.countedByCaps))
                      AND (? IS NULL OR channel = ?)
                    """, arguments: [profile, since, channel, channel]) ?? 0
        }
    }

    public func lastTrigger(activation: String, profile: String) async throws -> Int64? {
        try await pool.read { db in
            try Int64.fetchOne(
                db,
                sql: """
                    SELECT max(change_instant) FROM deliveries
                    WHERE activation = ? AND profile = ? AND step = 0 AND status <> 'reentry'
                    """, arguments: [activation, profile])
        }
    }

    public func disableDestination(_ name: String, fingerprint: String, at instant: Int64) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO disabled_destinations (name, fingerprint, disabled_at) VALUES (?, ?, ?)
                    ON CONFLICT(name) DO UPDATE SET fingerprint = excluded.fingerprint, disabled_at = excluded.disabled_at
                    """, arguments: [name, fingerprint, instant])
        }
    }

    public func disabledDestinations() async throws -> [String: String] {
        try await pool.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT name, fingerprint FROM disabled_destinations")
            return Dictionary(rows.map { ($0[0], $0[1]) }, uniquingKeysWith: { first, _ in first })
        }
    }
}
