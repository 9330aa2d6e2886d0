import StrataCore

extension MessageLog where Self: IdentityStore {
    /// The profile holding an id (a userId first, else an anonymousId), or nil when the id was never seen.
    public func profile(id: String, asOf: Int64, recent: Int = 10) async throws -> Profile? {
        let graph = try await identityGraph(asOf: asOf)
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
            let ids = members.filter { present.contains($0.id) }
            return Profile(
                key: key, ids: ids, messages: messages, accountMessages: accountMessages,
                conflicts: graph.conflicts(ofProfile: key), asOf: asOf, recent: recent)
        }
        return nil
    }
}
