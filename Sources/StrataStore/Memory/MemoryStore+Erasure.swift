extension MemoryStore {
    /// Not offered: the in-memory store holds messages at fixed positions, and nothing of it outlives
    /// the process. Erasure needs the SQLite store.
    public func erase(profile id: String, at instant: Int64) async throws -> Erasure? {
        throw ErasureError(
            "erasing a profile needs the SQLite store; the in-memory store keeps nothing past the process")
    }

    /// None: the in-memory store erases nothing.
    public func erasedCount() async throws -> Int { 0 }

    /// None: the in-memory store erases nothing.
    public func erasedSequences(after mark: Int64, limit: Int) async throws -> [(mark: Int64, sequence: Int64)] {
        []
    }
}
