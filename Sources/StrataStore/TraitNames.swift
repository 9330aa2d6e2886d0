import StrataCore

/// The top-level trait names that stored identify calls (for users) and group calls (for accounts)
/// carry: what `strata check` compares `trait.NAME` and `account.trait.NAME` with.
public struct TraitNames: Sendable, Equatable {
    /// User trait names.
    public var users: Set<String> = []
    /// Account trait names.
    public var accounts: Set<String> = []

    /// No names.
    public init() {}

    /// Adds the names of a message's stored payload (only identify and group calls carry traits).
    mutating func add(kind: Message.Kind, payload: UnsafeBufferPointer<UInt8>) {
        guard kind == .identify || kind == .group, let object = (try? JSONParser.parse(payload))?.objectValue
        else { return }
        if kind == .identify { users.formUnion(object.keys) } else { accounts.formUnion(object.keys) }
    }

    /// Whether there are none.
    var isEmpty: Bool { users.isEmpty && accounts.isEmpty }

    /// The names as rows of the `trait_names` table: a scope (0 users, 1 accounts) and a name.
    var rows: [(scope: Int, name: String)] {
        users.map { (0, $0) } + accounts.map { (1, $0) }
    }
}
