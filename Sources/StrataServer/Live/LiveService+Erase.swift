import StrataCore
import StrataEngine
import StrataStore

extension LiveService {
    /// Erases the profile holding an id (``ErasureStore/erase(profile:at:)``) and forgets it in memory:
    /// in the engine, the recorded members and the batch evaluation, recording no exit for it; then
    /// takes a snapshot, so that a restart cannot bring it back. Nil when no profile holds the id.
    func erase(profile id: String) async throws -> Erasure? {
        var erasure: Erasure?
        try await gate.exclusively {
            // Every message committed before the erasure is taken first, so that none of the
            // profile's is evaluated after it.
            try await step()
            guard let erased = try await store.erase(profile: id, at: configuration.clock()) else { return }
            erasure = erased
            self.erased = try await store.erasedCount()
            recorded.forget(Set(erased.ids))
            await workbench.invalidate()
            guard let engine else { return }
            try await finishHeavy(engine)
            let confined = Confined(engine)
            let changes = try await blocking { try confined.value.forget(Set(erased.ids)) }
            // Clusters read back before the erasure may hold the profile's messages.
            startWarming(engine)
            try await record(changes)
            recordSizes(engine)
            try await takeSnapshot(of: engine)
        }
        return erasure
    }
}
