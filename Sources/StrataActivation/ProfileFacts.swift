import StrataCore
import StrataLanguage

/// What the outbox knows of a profile at a step's due instant: its traits, its account, and the value
/// of the conditions it asked about.
public struct ProfileFacts: Sendable, Equatable {
    /// The profile's id, as the change names it.
    public var id: String
    /// Its traits.
    public var traits: [String: JSONValue]
    /// Its account's id, if it belongs to one.
    public var account: String?
    /// The account's traits.
    public var accountTraits: [String: JSONValue]
    /// The conditions asked for, in order: true, false, or nil when missing.
    public var conditions: [Bool?]

    /// Facts from their parts.
    public init(
        id: String, traits: [String: JSONValue], account: String? = nil, accountTraits: [String: JSONValue] = [:],
        conditions: [Bool?] = []
    ) {
        self.id = id
        self.traits = traits
        self.account = account
        self.accountTraits = accountTraits
        self.conditions = conditions
    }

    /// The profile as receivers see it: `{"id", "traits", "account": {"id", "traits"} or null}`.
    public var json: JSONValue {
        .object([
            "id": .string(id), "traits": .object(traits),
            "account": account.map { .object(["id": .string($0), "traits": .object(accountTraits)]) } ?? .null,
        ])
    }
}

/// A profile the outbox asks about: as of which instant, and with which conditions.
public struct FactsRequest: Sendable {
    /// The profile's id, as the change names it.
    public var profile: String
    /// The instant (ms) the facts hold at: a step's due instant.
    public var instant: Int64
    /// The conditions to evaluate for it (a step's `when`).
    public var conditions: [TypedExpr]

    /// A request from its parts.
    public init(profile: String, instant: Int64, conditions: [TypedExpr] = []) {
        self.profile = profile
        self.instant = instant
        self.conditions = conditions
    }
}

/// Reads profiles for the outbox (the runtime evaluates them with the workspace's definitions).
public protocol ProfileReader: Sendable {
    /// The facts of profiles, in the order asked, read together in one read of the store: each as of
    /// its instant, with the value of each of its conditions. A profile no stored message names has no
    /// traits and every condition missing.
    func facts(of requests: [FactsRequest]) async throws -> [ProfileFacts]
}
