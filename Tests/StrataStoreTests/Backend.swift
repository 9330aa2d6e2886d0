import Foundation
import StrataStore

/// The implementations of the store protocols that the contract tests run against.
enum Backend: String, CaseIterable, Sendable {
    /// ``SQLiteStore`` on a database file in a fresh temporary folder.
    case sqlite
    /// ``MemoryStore``.
    case memory

    /// Calls `body` with a fresh, empty store of this backend; a database folder is removed afterwards.
    func withStore(_ body: (any Store) async throws -> Void) async throws {
        switch self {
        case .sqlite: try await withDatabasePath { path in try await body(try SQLiteStore(path: path)) }
        case .memory: try await body(MemoryStore())
        }
    }
}
