import Crypto
import StrataStore

/// Issues API keys and checks presented ones.
///
/// A key is 32 random bytes in hex behind a readable prefix (`strata_write_…`, `strata_admin_…`).
/// Only its SHA-256 digest is stored: with 256 bits of randomness a key cannot be guessed from a
/// dictionary, so a salt would add nothing. A presented key is hashed and compared with every active
/// digest in constant time. Active keys are cached and re-read from the store at most once a second,
/// so a key revoked from the command line stops working within a second.
public actor KeyRing {
    /// Where the keys are kept.
    let store: any KeyStore
    private let clock = ContinuousClock()
    private var active: [APIKey] = []
    private var loadedAt: ContinuousClock.Instant?

    /// How long the cached keys are trusted before the store is read again.
    static let refreshInterval = Duration.seconds(1)

    /// A key ring over a store.
    public init(store: any KeyStore) {
        self.store = store
    }

    /// Creates a key of a kind: returns the key itself (shown once) and the stored record.
    public func create(kind: APIKey.Kind, at time: Int64) async throws -> (secret: String, key: APIKey) {
        var generator = SystemRandomNumberGenerator()
        let random = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let secret =
            "strata_\(kind.rawValue)_"
            + random.map { byte in
                let hex = String(byte, radix: 16)
                return byte < 16 ? "0" + hex : hex
            }.joined()
        let prefix = String(secret.prefix(kind.rawValue.count + 12))
        let key = try await store.addKey(kind: kind, digest: Self.digest(of: secret), prefix: prefix, createdAt: time)
        loadedAt = nil
        return (secret, key)
    }

    /// The active key of a kind matching a presented secret, or nil.
    public func check(_ secret: String, kind: APIKey.Kind) async throws -> APIKey? {
        try await refresh()
        let digest = Self.digest(of: secret)
        var found: APIKey?
        for key in active where key.kind == kind {
            if Self.constantTimeEqual(key.digest, digest) { found = key }
        }
        return found
    }

    /// The active key with an id, or nil (a key revoked stops being active within ``refreshInterval``).
    func active(id: Int64) async throws -> APIKey? {
        try await refresh()
        return active.first { $0.id == id }
    }

    /// Reads the active keys again once the cached ones are older than ``refreshInterval``.
    private func refresh() async throws {
        if let loadedAt, clock.now - loadedAt < Self.refreshInterval { return }
        active = try await store.keys().filter { $0.revokedAt == nil }
        loadedAt = clock.now
    }

    /// The SHA-256 digest of a key.
    static func digest(of secret: String) -> [UInt8] {
        Array(SHA256.hash(data: Array(secret.utf8)))
    }

    /// Compares two digests in time independent of where they differ.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }
}
