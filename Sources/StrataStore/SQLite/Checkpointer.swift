import Dispatch
import GRDB
import GRDBSQLite
import Synchronization

/// Runs the WAL's checkpoints on a connection and a thread of their own, so that commits seldom wait for one.
///
/// SQLite's own automatic checkpoint runs inside the commit that makes the WAL reach its threshold:
/// that commit copies the WAL's pages into the database file and syncs the file before it returns.
/// Under a steady ingest this adds tens of milliseconds to a few commits a second, the tail of every
/// acknowledged request. Installed on the writer, the checkpointer replaces that automatic checkpoint:
/// a commit that leaves the WAL at or over the threshold only schedules a passive checkpoint here,
/// which copies and syncs while the writer goes on appending to the WAL.
///
/// The WAL starts again from its beginning only when a write transaction begins with the whole WAL
/// copied, which a checkpoint running beside a busy writer may never see. So a commit that leaves
/// the WAL at or over the limit waits for the checkpoint under way, if any, and copies what is left
/// itself, as SQLite's automatic checkpoint does; by then little is left.
final class Checkpointer: Sendable {
    /// The WAL size, in pages, at which a checkpoint is scheduled.
    let threshold: Int32
    /// The WAL size, in pages, at which the writer checkpoints itself.
    let limit: Int32
    private let connection: DatabaseQueue
    /// The checkpointer's thread.
    let queue = DispatchQueue(label: "strata.checkpoint", qos: .utility)
    private let scheduled = Atomic<Bool>(false)
    private let completed = Atomic<Int>(0)

    /// Opens the checkpointer's connection to the database at `path`; `synchronous` is the level
    /// (`FULL` or `NORMAL`) the checkpoint syncs the database file at.
    init(path: String, threshold: Int32, limit: Int32, synchronous: String) throws {
        self.threshold = threshold
        self.limit = limit
        var configuration = Configuration()
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = \(synchronous)") }
        configuration.busyMode = .timeout(10)
        connection = try DatabaseQueue(path: path, configuration: configuration)
    }

    /// How many checkpoints have run since the store opened.
    var checkpoints: Int { completed.load(ordering: .acquiring) }

    /// Makes the writer's commits schedule checkpoints here; the writer keeps the checkpointer alive
    /// until ``uninstall(from:)``.
    func install(on writer: Database) {
        sqlite3_wal_hook(
            writer.sqliteConnection,
            { context, connection, _, pages in
                guard let context else { return SQLITE_OK }
                let checkpointer = Unmanaged<Checkpointer>.fromOpaque(context).takeUnretainedValue()
                if pages >= checkpointer.limit {
                    checkpointer.drain()
                    // The writer's own checkpoint, as SQLite's automatic one: its failure does not
                    // undo the commit, which is already in the WAL.
                    sqlite3_wal_checkpoint_v2(connection, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
                } else if pages >= checkpointer.threshold {
                    checkpointer.schedule()
                }
                return SQLITE_OK
            }, Unmanaged.passRetained(self).toOpaque())
    }

    /// Removes the hook from the writer and waits for the checkpoint under way, if any.
    func uninstall(from writer: Database) {
        sqlite3_wal_hook(writer.sqliteConnection, nil, nil)
        drain()
        Unmanaged.passUnretained(self).release()
    }

    /// Schedules one checkpoint unless one is already waiting or running; called by the writer's commit.
    private func schedule() {
        guard scheduled.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
        else { return }
        queue.async { self.run() }
    }

    /// Runs checkpoints while the WAL's pages not yet copied are at least the threshold and the last
    /// one made progress: pages the writer appended while one ran are copied by the next, and pages a
    /// reader still needs wait for the next commit over the threshold.
    private func run() {
        defer { scheduled.store(false, ordering: .releasing) }
        var copiedBefore = -1
        // A failed checkpoint loses nothing: the pages stay in the WAL, readers still find them there,
        // and the next commit over the threshold schedules another. An error of the disk that caused it
        // reaches the writer's own commits, which report it.
        while let (pages, copied) = try? connection.inDatabase({ try $0.checkpoint(.passive) }) {
            completed.add(1, ordering: .releasing)
            if pages - copied < Int(threshold) || copied <= copiedBefore { return }
            copiedBefore = copied
        }
    }

    /// Waits until the checkpoint scheduled or running, if any, has ended.
    func drain() {
        queue.sync {}
    }
}
