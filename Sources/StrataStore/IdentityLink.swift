import StrataCore

/// An identity link a stored message makes: an anonymousId seen with a userId, or an alias call's
/// previousId joined to its userId. A store keeps each link with the earliest time a message made it
/// (and that message's sequence), and builds ``IdentityGraph``s from the links at or before an instant.
struct IdentityLink: Hashable, Sendable {
    /// 0 for an anonymousId seen with a userId, 1 for an alias (as SQLite's `links` table stores it).
    var kind: Int
    /// The anonymousId, or the alias's previousId.
    var from: String
    /// The userId.
    var to: String

    /// Calls `body` with each link a message makes (none without a userId).
    static func links(of message: StoredMessage, _ body: (IdentityLink) -> Void) {
        guard let userId = message.userId else { return }
        if let anonymousId = message.anonymousId { body(IdentityLink(kind: 0, from: anonymousId, to: userId)) }
        if message.kind == .alias, let previousId = message.previousId {
            body(IdentityLink(kind: 1, from: previousId, to: userId))
        }
    }

    /// Adds the link to a graph as made at `time`; links are added in order of time, then sequence.
    func add(to graph: inout IdentityGraph, time: Int64) {
        if kind == 1 {
            graph.alias(previousId: from, userId: to, time: time)
        } else {
            graph.link(anonymousId: from, userId: to, time: time)
        }
    }
}
