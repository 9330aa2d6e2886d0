import Synchronization

extension MemoryStore {
    /// The unsubscribes and the link-signing key.
    struct SuppressionState: Sendable {
        /// When each (profile, destination) unsubscribed.
        var unsubscribed: [[String]: Int64] = [:]
        /// The key, once made.
        var linkKey: [UInt8]?
    }

    public func unsubscribe(profile: String, destination: String, at instant: Int64) async throws {
        suppressions.withLock { state in
            if state.unsubscribed[[profile, destination]] == nil {
                state.unsubscribed[[profile, destination]] = instant
            }
        }
    }

    public func unsubscribed(profile: String, destination: String) async throws -> Int64? {
        suppressions.withLock { $0.unsubscribed[[profile, destination]] }
    }

    public func linkKey() async throws -> [UInt8] {
        suppressions.withLock { state in
            if let key = state.linkKey { return key }
            let key = Self.makeLinkKey()
            state.linkKey = key
            return key
        }
    }
}
