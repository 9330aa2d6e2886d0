/// What Strata knows about one person as of an instant.
public struct Profile: Sendable {
    /// The profile id: the userId when known, else the anonymousId.
    public var key: String
    /// Every id linked to this profile.
    public var ids: [IdentityGraph.Node]
    /// The user's traits (latest-wins).
    public var traits: [String: JSONValue]
    /// The account (groupId of the latest group call), if any.
    public var account: String?
    /// The account's traits.
    public var accountTraits: [String: JSONValue]
    /// The first and last track, page or screen event.
    public var firstSeen: Int64?
    /// See ``firstSeen``.
    public var lastSeen: Int64?
    /// Event counts by event name.
    public var eventCounts: [String: Int]
    /// The most recent events, newest first.
    public var recentEvents: [Message]
    /// Identity links that were refused because they would join two users.
    public var conflicts: [IdentityGraph.Conflict]

    /// Builds a profile from the messages of its ids and of its account's group calls.
    ///
    /// - Parameters:
    ///   - key: the profile key.
    ///   - ids: the ids linked to it.
    ///   - messages: every message of those ids, each with its store sequence, in any order.
    ///   - accountMessages: the group calls of the account, for its traits (may include other users').
    ///   - asOf: messages later than this instant are ignored.
    ///   - recent: how many recent events to keep.
    public init(
        key: String, ids: [IdentityGraph.Node], messages: [(sequence: Int64, message: Message)],
        accountMessages: [(sequence: Int64, message: Message)], conflicts: [IdentityGraph.Conflict],
        asOf: Int64, recent: Int = 10
    ) {
        self.key = key
        self.ids = ids
        self.conflicts = conflicts.filter { $0.time <= asOf }
        let ordered = Profile.timeOrdered(messages, asOf: asOf)
        var traitSet = TraitSet()
        var counts: [String: Int] = [:]
        var events: [Message] = []
        for (sequence, message) in ordered {
            let stamp = TraitSet.Stamp(time: message.time, receivedAt: message.receivedAt, sequence: sequence)
            switch message.kind {
            case .identify:
                traitSet.apply(message.traits, stamp: stamp)
            case .group:
                break
            case .track, .page, .screen:
                if let name = message.event { counts[name, default: 0] += 1 }
                events.append(message)
            case .alias:
                break
            }
        }
        self.traits = traitSet.values
        let account = Profile.account(in: messages, asOf: asOf)
        self.account = account
        self.accountTraits = account.map { Profile.traits(ofAccount: $0, in: accountMessages, asOf: asOf) } ?? [:]
        self.firstSeen = events.first?.time
        self.lastSeen = events.last?.time
        self.eventCounts = counts
        self.recentEvents = Array(events.suffix(recent).reversed())
    }

    /// An account's traits from group calls (others are skipped): the latest value of each at `asOf`.
    public static func traits(
        ofAccount account: String, in calls: [(sequence: Int64, message: Message)], asOf: Int64
    ) -> [String: JSONValue] {
        var traits = TraitSet()
        for (sequence, message) in timeOrdered(calls, asOf: asOf) where message.groupId == account {
            traits.apply(
                message.traits,
                stamp: TraitSet.Stamp(time: message.time, receivedAt: message.receivedAt, sequence: sequence))
        }
        return traits.values
    }

    /// The account of the latest group call at or before `asOf`.
    public static func account(in messages: [(sequence: Int64, message: Message)], asOf: Int64) -> String? {
        timeOrdered(messages.filter { $0.message.kind == .group }, asOf: asOf).last?.message.groupId
    }

    /// Messages at or before `asOf`, by event time, then receipt, then arrival.
    static func timeOrdered(
        _ messages: [(sequence: Int64, message: Message)], asOf: Int64
    ) -> [(sequence: Int64, message: Message)] {
        messages.filter { $0.message.time <= asOf }.sorted {
            ($0.message.time, $0.message.receivedAt, $0.sequence) < (
                $1.message.time, $1.message.receivedAt, $1.sequence
            )
        }
    }
}
