/// Where API keys are kept: only a digest of each key is stored, never the key itself.
public protocol KeyStore: Sendable {
    /// Stores a new key's digest and returns its record.
    func addKey(kind: APIKey.Kind, digest: [UInt8], prefix: String, createdAt: Int64) async throws -> APIKey

    /// Every key, active and revoked, oldest first.
    func keys() async throws -> [APIKey]

    /// Marks a key revoked; returns false when no key has this id.
    func revokeKey(id: Int64, at time: Int64) async throws -> Bool
}

/// An API key as stored: its digest and what it may do.
public struct APIKey: Sendable, Equatable {
    /// What a key is allowed to do.
    public enum Kind: String, Sendable, CaseIterable {
        /// Sends events to the ingestion routes.
        case write
        /// Uses the management API.
        case admin
        /// Reads the dashboard's pages, and nothing else: no route of the API takes it.
        case viewer
    }

    /// The key's id (shown by `strata keys list`, used by `strata keys revoke`).
    public var id: Int64
    /// What the key may do.
    public var kind: Kind
    /// The SHA-256 digest of the key.
    public var digest: [UInt8]
    /// The first characters of the key, to recognise it in a list without revealing it.
    public var prefix: String
    /// When the key was created (ms since epoch).
    public var createdAt: Int64
    /// When the key was revoked, or nil while it is active.
    public var revokedAt: Int64?

    /// A key record from its parts.
    public init(id: Int64, kind: Kind, digest: [UInt8], prefix: String, createdAt: Int64, revokedAt: Int64?) {
        self.id = id
        self.kind = kind
        self.digest = digest
        self.prefix = prefix
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }
}
