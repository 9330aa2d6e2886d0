import Synchronization

extension MemoryStore {
    /// What the key store and the model store hold.
    struct KeysAndModelsState: Sendable {
        /// Every key, oldest first; a key's id is its position plus one.
        var keys: [APIKey] = []
        /// The trained models by name.
        var models: [String: StoredModel] = [:]
    }

    /// Why the memory store refused a write that SQLite's constraints would refuse too.
    public enum Refusal: Error, Equatable {
        /// A key with this digest is already stored (digests are unique).
        case duplicateDigest
    }

    /// Stores a new key's digest with the next id; a digest already stored is refused.
    public func addKey(kind: APIKey.Kind, digest: [UInt8], prefix: String, createdAt: Int64) async throws -> APIKey {
        try keysAndModels.withLock { state in
            guard !state.keys.contains(where: { $0.digest == digest }) else { throw Refusal.duplicateDigest }
            let key = APIKey(
                id: Int64(state.keys.count + 1), kind: kind, digest: digest, prefix: prefix, createdAt: createdAt,
                revokedAt: nil)
            state.keys.append(key)
            return key
        }
    }

    /// Every key, active and revoked, oldest first.
    public func keys() async throws -> [APIKey] {
        keysAndModels.withLock { $0.keys }
    }

    /// Marks a key revoked (a key revoked before keeps its first instant); false when no key has this id.
    public func revokeKey(id: Int64, at time: Int64) async throws -> Bool {
        keysAndModels.withLock { state in
            guard id >= 1, id <= Int64(state.keys.count) else { return false }
            let index = Int(id - 1)
            state.keys[index].revokedAt = state.keys[index].revokedAt ?? time
            return true
        }
    }

    /// Stores a trained model, replacing the one of the same name.
    public func saveModel(_ model: StoredModel) async throws {
        keysAndModels.withLock { $0.models[model.name] = model }
    }

    /// Every stored model, in byte order of their names.
    public func models() async throws -> [StoredModel] {
        keysAndModels.withLock { state in
            state.models.values.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        }
    }
}
