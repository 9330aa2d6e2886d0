import GRDB
import StrataCore

extension DatabaseError: PlainDescribable {
    /// The store's failures as a person needs them: what happened to the database file, and what to do.
    public var plainDescription: String {
        switch resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED: "the store is busy: another strata process is writing to it; try again"
        case .SQLITE_FULL: "no space left on the disk that holds the store"
        case .SQLITE_READONLY: "the store is read-only: check the permissions of the workspace's data folder"
        case .SQLITE_CANTOPEN:
            "cannot open the store's database file: check that the data folder exists and is writable"
        case .SQLITE_CORRUPT, .SQLITE_NOTADB: "the store's database file is damaged or is not a Strata store"
        case .SQLITE_PERM, .SQLITE_AUTH: "permission denied on the store's database file"
        case .SQLITE_IOERR: "the disk failed to read or write the store's database file"
        default: "the store failed (SQLite error \(resultCode.rawValue): \(message ?? "no message"))"
        }
    }
}
