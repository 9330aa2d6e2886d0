import StrataCore
import StrataLanguage
import Synchronization

/// Everything the engine evaluates against: the timelines of users and accounts as of one instant,
/// the links between them, and the identity graph that keyed them.
///
/// Built once by ``TimelineBuilder``; immutable and shareable across threads afterwards.
public final class Population: Sendable {
    /// The instant the timelines were cut at: later messages were ignored.
    public let asOf: Int64
    /// Interned event names, property paths and values.
    public let vocabulary: Vocabulary
    /// User profiles.
    public let users: Timelines
    /// Account profiles (groupIds). Their events are every event of their users when
    /// ``hasAccountEvents`` is true (the definitions read account events), else none.
    public let accounts: Timelines
    /// Whether account timelines hold their users' events.
    public let hasAccountEvents: Bool
    /// The identity graph built from the links at or before ``asOf``: made when first asked for (only
    /// lookups of ids that are not profile keys need it).
    public var identity: IdentityGraph {
        identityGraph.withLock { graph in
            if let graph { return graph }
            let made = makeIdentity()
            graph = made
            return made
        }
    }
    private let identityGraph = Mutex<IdentityGraph?>(nil)
    private let makeIdentity: @Sendable () -> IdentityGraph
    /// The account of each user, or -1.
    let accountOfUser: [Int32]
    /// The users of account `a`: `accountUsers[accountUserStarts[a]..<accountUserStarts[a + 1]]`.
    let accountUserStarts: [Int]
    let accountUsers: [Int32]

    init(
        asOf: Int64, vocabulary: Vocabulary, users: Timelines, accounts: Timelines, hasAccountEvents: Bool,
        identity: @escaping @Sendable () -> IdentityGraph, accountOfUser: [Int32], accountUserStarts: [Int],
        accountUsers: [Int32]
    ) {
        self.asOf = asOf
        self.vocabulary = vocabulary
        self.users = users
        self.accounts = accounts
        self.hasAccountEvents = hasAccountEvents
        self.makeIdentity = identity
        self.accountOfUser = accountOfUser
        self.accountUserStarts = accountUserStarts
        self.accountUsers = accountUsers
        var earliest: Int64?
        var latest: Int64?
        for profile in 0..<users.count {
            guard let first = users.firstSeen(profile), let last = users.lastSeen(profile) else { continue }
            earliest = min(earliest ?? first, first)
            latest = max(latest ?? last, last)
        }
        self.earliestEvent = earliest
        self.latestEvent = latest
    }

    /// The timelines of a kind of profile.
    public func timelines(_ kind: ProfileKind) -> Timelines {
        kind == .users ? users : accounts
    }

    /// The user profile holding an id: a profile key, else a userId or anonymousId merged into one.
    public func userIndex(forID id: String) -> Int? {
        if let index = users.index(of: id) { return index }
        for isUser in [true, false] {
            if let key = identity.profileKey(of: IdentityGraph.Node(id: id, isUser: isUser)),
                let index = users.index(of: key)
            {
                return index
            }
        }
        return nil
    }

    /// The profile of a kind holding an id (see ``userIndex(forID:)``; accounts by groupId).
    public func index(forID id: String, kind: ProfileKind) -> Int? {
        kind == .users ? userIndex(forID: id) : accounts.index(of: id)
    }

    /// The account of a user (the groupId of its latest group call), or nil.
    public func account(ofUser user: Int) -> Int? {
        let a = accountOfUser[user]
        return a < 0 ? nil : Int(a)
    }

    /// The users whose account is `account`, by profile index.
    public func users(ofAccount account: Int) -> ArraySlice<Int32> {
        accountUsers[accountUserStarts[account]..<accountUserStarts[account + 1]]
    }

    /// The earliest event time of any user, or nil when there are no events.
    public let earliestEvent: Int64?
    /// The latest event time of any user, or nil when there are no events.
    public let latestEvent: Int64?

    /// Bytes per user event held by the user timelines: the capacities of the event columns and
    /// profile ranges divided by the number of events (0 when there are none).
    public var bytesPerEvent: Double {
        users.eventCount == 0 ? 0 : Double(users.eventBytes) / Double(users.eventCount)
    }

    /// A trait of a profile by path (as kept: the paths the definitions read, and any extra ones asked
    /// for when building), or missing.
    public func trait(_ path: [String], of profile: Int, kind: ProfileKind) -> Value {
        let timelines = timelines(kind)
        guard let slot = timelines.traitSlot(path) else { return .missing }
        let (tag, payload) = timelines.trait(slot, of: profile)
        return vocabulary.decode(tag: tag, payload: payload)
    }
}
