import StrataCore

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

extension MessageLog where Self: IdentityStore {
    /// The messages of the profile holding an id (a userId first, else an anonymousId) as of an instant,
    /// or nil when the id was never seen by then.
    public func profileMessages(id: String, asOf: Int64) async throws -> ProfileMessages? {
        let graph = try await identityGraph(around: id, asOf: asOf)
        for isUser in [true, false] {
            let node = IdentityGraph.Node(id: id, isUser: isUser)
            let members = graph.members(of: node)
            let key = graph.profileKey(of: node) ?? id
            // A message belongs to its userId's profile even when its anonymousId is linked elsewhere.
            let messages = try await messages(of: members).filter {
                $0.message.time <= asOf
                    && graph.profileKey(userId: $0.message.userId, anonymousId: $0.message.anonymousId) == key
            }
            guard !messages.isEmpty else { continue }
            let account = Profile.account(in: messages, asOf: asOf)
            var accountMessages: [(sequence: Int64, message: Message)] = []
            if let account { accountMessages = try await groupCalls(account: account) }
            let present = Set(messages.flatMap { [$0.message.userId, $0.message.anonymousId].compactMap { $0 } })
            return ProfileMessages(
                key: key, ids: members.filter { present.contains($0.id) }, messages: messages,
                accountMessages: accountMessages, conflicts: graph.conflicts(ofProfile: key))
        }
        return nil
    }

    /// The profile holding an id (a userId first, else an anonymousId), or nil when the id was never seen.
    public func profile(id: String, asOf: Int64, recent: Int = 10) async throws -> Profile? {
        guard let found = try await profileMessages(id: id, asOf: asOf) else { return nil }
        return Profile(
            key: found.key, ids: found.ids, messages: found.messages, accountMessages: found.accountMessages,
            conflicts: found.conflicts, asOf: asOf, recent: recent)
    }
}
