/// Identity resolution: which ids belong to one person.
///
/// Links are applied in time order. Any message carrying both userId and anonymousId links them;
/// alias links previousId to userId (either may be a user). Links are transitive. An anonymous id
/// already linked to a user stays with that user: a later link to a different user is ignored and
/// recorded as a conflict. A profile is keyed by its user id (for alias-merged users, the latest
/// alias target), else by its anonymous id.
public struct IdentityGraph: Sendable {
    /// An identifier with its namespace: user ids and anonymous ids may share spellings.
    public struct Node: Sendable, Hashable {
        /// The id as sent.
        public var id: String
        /// Whether it is a userId (true) or an anonymousId (false).
        public var isUser: Bool

        /// A node for an id of a namespace.
        public init(id: String, isUser: Bool) {
            self.id = id
            self.isUser = isUser
        }
    }

    /// A link that was refused because it would join two different users.
    public struct Conflict: Sendable, Hashable {
        /// The anonymous id (or alias previousId) of the refused link.
        public var id: String
        /// The user the link tried to join it to.
        public var refusedUser: String
        /// The user it stays with.
        public var keptUser: String
        /// The time of the refused link.
        public var time: Int64

        /// A conflict from its parts.
        public init(id: String, refusedUser: String, keptUser: String, time: Int64) {
            self.id = id
            self.refusedUser = refusedUser
            self.keptUser = keptUser
            self.time = time
        }
    }

    private var index: [Node: Int] = [:]
    private var nodes: [Node] = []
    private var parent: [Int] = []
    /// The profile key of each root: the canonical user id, if any.
    private var canonicalUser: [Int: String] = [:]
    /// Every refused link, in the order they were met.
    public private(set) var conflicts: [Conflict] = []

    /// An empty graph.
    public init() {}

    private mutating func slot(_ node: Node) -> Int {
        if let existing = index[node] { return existing }
        let i = nodes.count
        nodes.append(node)
        parent.append(i)
        index[node] = i
        if node.isUser { canonicalUser[i] = node.id }
        return i
    }

    private mutating func find(_ i: Int) -> Int {
        var root = i
        while parent[root] != root { root = parent[root] }
        var current = i
        while parent[current] != root {
            let next = parent[current]
            parent[current] = root
            current = next
        }
        return root
    }

    private func findReadOnly(_ i: Int) -> Int {
        var root = i
        while parent[root] != root { root = parent[root] }
        return root
    }

    /// Registers an id so that it resolves to a profile even without links.
    public mutating func add(_ node: Node) {
        _ = slot(node)
    }

    /// Links an anonymous id to a user (a message carrying both ids), at a time.
    public mutating func link(anonymousId: String, userId: String, time: Int64) {
        let anonymous = find(slot(Node(id: anonymousId, isUser: false)))
        let user = find(slot(Node(id: userId, isUser: true)))
        guard anonymous != user else { return }
        if let kept = canonicalUser[anonymous] {
            conflicts.append(Conflict(id: anonymousId, refusedUser: userId, keptUser: kept, time: time))
            return
        }
        parent[anonymous] = user
    }

    /// Applies an alias: previousId joins userId's profile.
    ///
    /// previousId may be a user id (users merge, and userId becomes the profile key) or an
    /// anonymous id (linked as by identify, refused when it already belongs to another user).
    /// Both readings are applied, since a spelling seldom names both an unrelated user and device.
    public mutating func alias(previousId: String, userId: String, time: Int64) {
        let user = slot(Node(id: userId, isUser: true))
        let previousUser = find(slot(Node(id: previousId, isUser: true)))
        let target = find(user)
        if previousUser != target {
            parent[previousUser] = target
            canonicalUser[previousUser] = nil
            canonicalUser[target] = userId
        }
        link(anonymousId: previousId, userId: userId, time: time)
    }

    /// The profile key for an id, or nil when the id was never seen.
    public func profileKey(of node: Node) -> String? {
        guard let i = index[node] else { return nil }
        let root = findReadOnly(i)
        return canonicalUser[root] ?? nodes[root].id
    }

    /// The profile key for a message's ids: its userId's profile, else its anonymousId's.
    public func profileKey(userId: String?, anonymousId: String?) -> String? {
        if let userId { return profileKey(of: Node(id: userId, isUser: true)) ?? userId }
        if let anonymousId { return profileKey(of: Node(id: anonymousId, isUser: false)) ?? anonymousId }
        return nil
    }

    /// Every id linked to the profile that holds a node, the node included.
    public func members(of node: Node) -> [Node] {
        guard let i = index[node] else { return [node] }
        let root = findReadOnly(i)
        return nodes.indices.filter { findReadOnly($0) == root }.map { nodes[$0] }
    }

    /// The conflicts that concern a profile.
    public func conflicts(ofProfile key: String) -> [Conflict] {
        conflicts.filter { $0.keptUser == key || profileKey(of: Node(id: $0.refusedUser, isUser: true)) == key }
    }

    /// Applies a message's identity content: both ids, or an alias.
    public mutating func apply(_ message: Message) {
        if message.kind == .alias, let previousId = message.previousId, let userId = message.userId {
            alias(previousId: previousId, userId: userId, time: message.time)
            if let anonymousId = message.anonymousId {
                link(anonymousId: anonymousId, userId: userId, time: message.time)
            }
            return
        }
        if let userId = message.userId, let anonymousId = message.anonymousId {
            link(anonymousId: anonymousId, userId: userId, time: message.time)
        } else if let userId = message.userId {
            add(Node(id: userId, isUser: true))
        } else if let anonymousId = message.anonymousId {
            add(Node(id: anonymousId, isUser: false))
        }
    }
}
