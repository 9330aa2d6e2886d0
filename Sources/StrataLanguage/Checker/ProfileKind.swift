/// The kind of profile a definition is about.
public enum ProfileKind: String, Sendable, Hashable, CaseIterable {
    /// People (keyed by userId, else anonymousId).
    case users
    /// Accounts (from group calls); event functions see all their users' events.
    case accounts
}
