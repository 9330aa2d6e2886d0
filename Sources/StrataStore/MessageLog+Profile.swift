import StrataCore

/// One consistent view of a store's messages and identity links, read synchronously: inside one read
/// transaction (SQLite) or under one lock (in memory). Many profiles read through one view cost one
/// trip to the store, not three a profile (``MessageLog/reading(_:)``).
public protocol ProfileSource {
    /// The identity graph of the links at or before an instant that join an id to others, directly or
    /// through further links (as ``IdentityStore/identityGraph(around:asOf:)``).
    func identityGraph(around id: String, asOf: Int64) throws -> IdentityGraph

    /// Every message of the given ids, with its store sequence, in arrival order: those carrying one of
    /// the user ids, and the anonymous ones (without a userId) carrying one of the anonymous ids. A
    /// message with a userId belongs to that user's profile, so this is all a profile needs.
    func messages(of ids: [IdentityGraph.Node]) throws -> [(sequence: Int64, message: Message)]

    /// Every group call of an account, with its store sequence.
    func groupCalls(account: String) throws -> [(sequence: Int64, message: Message)]
}

/// A profile's stored messages, as one id finds them: what ``Profile`` summarises, and what a single
/// profile is evaluated from.
public struct ProfileMessages: Sendable {
    /// The profile key.
    public var key: String
    /// The ids linked to the profile that its messages carry.
    public var ids: [IdentityGraph.Node]
    /// The profile's messages at or before the instant, with their store sequences.
    public var messages: [(sequence: Int64, message: Message)]
    /// The group calls of the profile's account (others' included), with their sequences.
    public var accountMessages: [(sequence: Int64, message: Message)]
    /// Conflicting identity links of the profile.
    public var conflicts: [IdentityGraph.Conflict]
}

extension ProfileSource {
    /// The messages of the profile holding an id (a userId first, else an anonymousId) as of an instant,
    /// or nil when the id was never seen by then.
    public func profileMessages(id: String, asOf: Int64) throws -> ProfileMessages? {
        let graph = try identityGraph(around: id, asOf: asOf)
        for isUser in [true, false] {
            let node = IdentityGraph.Node(id: id, isUser: isUser)
            let members = graph.members(of: node)
            let key = graph.profileKey(of: node) ?? id
            // A message belongs to its userId's profile even when its anonymousId is linked elsewhere.
            let messages = try messages(of: members).filter {
                $0.message.time <= asOf
                    && graph.profileKey(userId: $0.message.userId, anonymousId: $0.message.anonymousId) == key
            }
            guard !messages.isEmpty else { continue }
            let account = Profile.account(in: messages, asOf: asOf)
            var accountMessages: [(sequence: Int64, message: Message)] = []
            if let account { accountMessages = try groupCalls(account: account) }
            let present = Set(messages.flatMap { [$0.message.userId, $0.message.anonymousId].compactMap { $0 } })
            return ProfileMessages(
                key: key, ids: members.filter { present.contains($0.id) }, messages: messages,
                accountMessages: accountMessages, conflicts: graph.conflicts(ofProfile: key))
        }
        return nil
    }
}

extension MessageLog {
    /// ``ProfileSource/messages(of:)`` in a read of its own.
    public func messages(of ids: [IdentityGraph.Node]) async throws -> [(sequence: Int64, message: Message)] {
        try await reading { try $0.messages(of: ids) }
    }

    /// ``ProfileSource/groupCalls(account:)`` in a read of its own.
    public func groupCalls(account: String) async throws -> [(sequence: Int64, message: Message)] {
        try await reading { try $0.groupCalls(account: account) }
    }

    /// ``ProfileSource/profileMessages(id:asOf:)`` in a read of its own.
    public func profileMessages(id: String, asOf: Int64) async throws -> ProfileMessages? {
        try await reading { try $0.profileMessages(id: id, asOf: asOf) }
    }

    /// The profile holding an id (a userId first, else an anonymousId), or nil when the id was never seen.
    public func profile(id: String, asOf: Int64, recent: Int = 10) async throws -> Profile? {
        guard let found = try await profileMessages(id: id, asOf: asOf) else { return nil }
        return Profile(
            key: found.key, ids: found.ids, messages: found.messages, accountMessages: found.accountMessages,
            conflicts: found.conflicts, asOf: asOf, recent: recent)
    }
}
