import Crypto
import StrataCore

/// Forgetting a profile when its person asks to be forgotten: one store operation that removes
/// everything the store keeps of the profile and refuses later messages for its ids.
///
/// Anything derived from the message log (such as timeline files) hooks into ``erase(profile:at:)``:
/// the ``Erasure`` it returns names the removed message sequences.
public protocol ErasureStore: Sendable {
    /// Removes, in one transaction, the profile holding an id (a userId first, else an anonymousId)
    /// with every id resolving to it: its messages, identity links, change-log rows, live and batch
    /// memberships, deliveries, unsubscribes and the quarantined messages naming one of the ids; and records a digest of each id, so that later
    /// messages naming one are refused (``AppendResult/Fate/erased``). Nil when no stored message
    /// belongs to a profile holding the id.
    func erase(profile id: String, at instant: Int64) async throws -> Erasure?

    /// How many ids were erased so far: anything kept outside the store (a snapshot of the live
    /// engine) and made before the count grew may hold an erased profile.
    func erasedCount() async throws -> Int

    /// The log sequences erased after a mark (0 for all), at most `limit`, each with its mark, in the
    /// order they were erased (marks increase): what a copy of the log kept elsewhere (ClickHouse)
    /// must delete. A sequence says nothing of the person it was.
    func erasedSequences(after mark: Int64, limit: Int) async throws -> [(mark: Int64, sequence: Int64)]
}

/// What an erasure removed.
public struct Erasure: Sendable, Equatable {
    /// The profile key.
    public var profile: String
    /// Every id that resolved to the profile (user ids and anonymous ids), sorted by bytes: later
    /// messages naming any of them are refused.
    public var ids: [String]
    /// The sequences of the removed messages, ascending.
    public var sequences: [Int64]
    /// Identity links removed (each joining an erased id to another id).
    public var links: Int
    /// Rows of the change log removed (enters and exits of the profile).
    public var changes: Int
    /// Live memberships removed (the stored batch runs hold sizes only).
    public var memberships: Int
    /// Deliveries removed, pending ones included (they are never sent).
    public var deliveries: Int
    /// Unsubscribes removed.
    public var unsubscribes: Int
    /// Quarantined messages removed: those naming one of the ids (``QuarantineEntry/names(anyOf:in:)``).
    public var quarantined: Int
    /// With `store: clickhouse`, the erased messages whose copies ClickHouse deleted now (this
    /// profile's, and those of earlier erasures not carried out there yet); nil for other stores.
    public var shippedCopies: Int?

    /// A report from its parts.
    public init(
        profile: String, ids: [String], sequences: [Int64], links: Int, changes: Int, memberships: Int,
        deliveries: Int, unsubscribes: Int, quarantined: Int = 0
    ) {
        self.profile = profile
        self.ids = ids
        self.sequences = sequences
        self.links = links
        self.changes = changes
        self.memberships = memberships
        self.deliveries = deliveries
        self.unsubscribes = unsubscribes
        self.quarantined = quarantined
    }

    /// Messages removed.
    public var messages: Int { sequences.count }

    /// How many of each kind were removed, in the order reports show them.
    public var removed: [(kind: String, count: Int)] {
        [
            ("messages", messages), ("links", links), ("changes", changes), ("memberships", memberships),
            ("deliveries", deliveries), ("unsubscribes", unsubscribes), ("quarantined", quarantined),
        ] + (shippedCopies.map { [("clickhouse", $0)] } ?? [])
    }

    /// The report as JSON: the profile, its ids and the count of each kind removed.
    public var json: JSONValue {
        .object([
            "profile": .string(profile), "ids": .array(ids.map(JSONValue.string)),
            "removed": .object(Dictionary(uniqueKeysWithValues: removed.map { ($0.kind, .number(Double($0.count))) })),
        ])
    }

    /// What the store keeps of an erased id: the SHA-256 of a fixed prefix and the id, enough to
    /// recognise the id in a later message without keeping it in clear.
    public static func digest(of id: String) -> [UInt8] {
        Array(SHA256.hash(data: Array("strata-erasure\u{0}\(id)".utf8)))
    }

    /// The ids a message names that an erasure matches: its userId, anonymousId and, for an alias,
    /// previousId.
    static func namedIds(of message: StoredMessage) -> [String] {
        [message.userId, message.anonymousId, message.kind == .alias ? message.previousId : nil].compactMap { $0 }
    }
}

/// An erasure the store cannot carry out.
public struct ErasureError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public var description: String

    /// An error with its description.
    public init(_ description: String) { self.description = description }
}
