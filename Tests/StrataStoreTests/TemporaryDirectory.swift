import Foundation
import GRDB

@testable import StrataStore

/// A fresh folder under the system's temporary directory, removed by the caller.
func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("strata-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Calls `body` with the path of a database file in a fresh folder, which is removed afterwards.
func withDatabasePath(_ body: (String) async throws -> Void) async throws {
    let folder = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    try await body(folder.appendingPathComponent("strata.db").path)
}

/// Writes a store as an older Strata left it: its migrations up to `migration`, then `sql`.
@discardableResult
func makeOlderStore(at path: String, upTo migration: String, _ sql: String) async throws -> DatabaseQueue {
    let queue = try DatabaseQueue(path: path)
    try SQLiteStore.migrator.migrate(queue, upTo: migration)
    try await queue.write { db in try db.execute(sql: sql) }
    return queue
}
