import StrataCore
import StrataLanguage

/// Builds a ``Population`` from messages fed in arrival order, as of an evaluation instant.
///
/// Every message at or before `asOf` makes a profile (identify-only users included); later messages
/// of every type are ignored. Identity links (messages with both ids, and alias calls) are applied to
/// an ``IdentityGraph`` in (time, receivedAt, sequence) order, then every message is keyed by
/// `profileKey(userId:anonymousId:)`, so merged profiles behave as if they had always been one.
/// Traits are latest-wins by (time, receivedAt, sequence); a user's account is the groupId of its
/// latest group call, and account traits are latest-wins over every group call of the account.
///
/// Messages are packed in compact form as they arrive (only the property paths and traits in
/// ``DataNeeds`` are kept), so the builder never holds whole messages.
public struct TimelineBuilder {
    /// The evaluation instant.
    public let asOf: Int64
    /// What to keep.
    public let needs: DataNeeds

    /// What is kept of messages.
    let layout: PackLayout
    /// The messages packed so far.
    private var pack: TimelinePack
    /// The resolution of ``pack`` read from a timelines file, until a message is added to it.
    private var stored: ResolvedPack?

    /// A builder for an instant, keeping what `needs` asks for plus the user traits in `extraTraits`
    /// (for listings).
    public init(asOf: Int64, needs: DataNeeds, extraTraits: [[String]] = []) {
        self.init(asOf: asOf, layout: PackLayout(needs: needs, extraTraits: extraTraits))
    }

    /// A builder for an instant keeping what a layout keeps.
    init(asOf: Int64, layout: PackLayout) {
        self.asOf = asOf
        self.needs = layout.needs
        self.layout = layout
        self.pack = TimelinePack(layout: layout, vocabulary: layout.template)
    }

    /// A builder for an instant starting from the messages of a snapshot up to it, keeping what the
    /// snapshot keeps: give it the log's messages after ``TimelineSnapshot/sequence``.
    public init(asOf: Int64, from snapshot: TimelineSnapshot) {
        self.init(asOf: asOf, layout: snapshot.resolved.pack.layout)
        take(snapshot.resolved.pack, resolved: snapshot.resolved)
    }

    /// Takes the messages of a pack of this builder's layout up to `asOf`, with their resolution: when
    /// none is later, the pack and the resolution are taken whole.
    private mutating func take(_ taken: TimelinePack, resolved: ResolvedPack?) {
        if taken.latest <= asOf {
            pack = taken
            stored = resolved
        } else {
            add(taken)
        }
    }

    /// The messages packed so far.
    var packed: TimelinePack { pack }

    /// A builder as of an earlier instant holding this one's messages up to it: sharing this one's pack
    /// (and its stored resolution) when none of them is later.
    func until(_ instant: Int64) -> TimelineBuilder {
        var builder = TimelineBuilder(asOf: instant, layout: layout)
        builder.take(pack, resolved: stored)
        return builder
    }

    /// Whether the builder keeps at least what `other` keeps, so that a population it builds answers
    /// every question one of `other` does, the same way.
    public func covers(_ other: TimelineBuilder) -> Bool { layout.covers(other.layout) }

    /// What the builder holds as a snapshot covering the log up to `sequence` (`messages` messages,
    /// read with `erasures` ids erased): made by a builder as of `Int64.max`, which keeps every message.
    /// The messages are resolved into profiles, so that a builder started from the snapshot and given no
    /// later message builds its population without resolving them again.
    public func snapshot(sequence: Int64, messages: Int, erasures: Int) -> TimelineSnapshot {
        TimelineSnapshot(
            resolved: stored ?? resolve(graph: IdentityLinks(pack).graph()), sequence: sequence, messages: messages,
            erasures: erasures)
    }

    /// The property and trait keys this builder reads: messages added may hold only these members of
    /// their properties and traits.
    public var payloadKeys: Set<String> { needs.payloadKeys.union(layout.userTraitHeads) }

    /// Of ``payloadKeys``, those this builder reads of a message of `kind`: the property keys of an
    /// event, the trait keys of an identify or group call, none of an alias.
    public func payloadKeys(of kind: Message.Kind) -> Set<String> {
        switch kind {
        case .track, .page, .screen: Set(needs.properties.keys.compactMap(\.first))
        case .identify: layout.userTraitHeads
        case .group: layout.accountTraitHeads
        case .alias: []
        }
    }

    /// Adds one message; call in arrival order with its store sequence.
    public mutating func add(sequence: Int64, message: borrowing Message) {
        guard message.time <= asOf, message.userId != nil || message.anonymousId != nil else { return }
        // Let go of the file's resolution first: the pack's columns are then this builder's alone.
        stored = nil
        pack.add(sequence: sequence, message: message)
    }

    /// Whether the builder keeps exactly what `other` keeps, so that it can take what `other` holds
    /// (``add(_:)-(TimelineBuilder)``).
    public func keepsTheSame(as other: TimelineBuilder) -> Bool {
        layout.covers(other.layout) && other.layout.covers(layout)
    }

    /// Adds what a builder keeping the same (``keepsTheSame(as:)``) was given, as if each of its
    /// messages had been added after this one's: those up to `asOf`.
    public mutating func add(_ later: TimelineBuilder) {
        add(later.pack)
    }

    /// Adds the messages packed in a pack of this builder's layout: those up to `asOf`, as if each had
    /// been added.
    mutating func add(_ packed: TimelinePack) {
        stored = nil
        pack.add(packed, asOf: asOf)
    }

    /// Builds the population: resolves identities, sorts each profile's events by time and packs
    /// them into exact-size columns. A builder started from a timelines file and given no message after
    /// it takes the file's resolution as it is.
    public func build() -> Population {
        if let stored {
            let links = IdentityLinks(pack)
            return Self.assemble(stored, needs: needs, layout: layout, asOf: asOf) { links.graph() }
        }
        let graph = IdentityLinks(pack).graph()
        let resolved = resolve(graph: graph)
        return Self.assemble(resolved, needs: needs, layout: layout, asOf: asOf) { graph }
    }

    /// Resolves the packed messages into profiles: identities, each profile's events in order (the pack's
    /// columns gathered in that order), the latest traits and the accounts.
    func resolve(graph: IdentityGraph) -> ResolvedPack {
        let pairs = pack.pairs
        // Profiles: one per distinct key, sorted by bytes.
        var keyIndex: [String: Int32] = [:]
        keyIndex.reserveCapacity(pairs.count)
        var keys: [String] = []
        var keyOfPair = [Int32](repeating: 0, count: pairs.count)
        for (i, pair) in pairs.enumerated() {
            let key = graph.profileKey(userId: pair.userId, anonymousId: pair.anonymousId) ?? ""
            if let existing = keyIndex[key] {
                keyOfPair[i] = existing
            } else {
                keyOfPair[i] = Int32(keys.count)
                keyIndex[key] = Int32(keys.count)
                keys.append(key)
            }
        }
        keyIndex = [:]
        let byBytes = keys.indices.sorted { Value.compareBytes(keys[$0], keys[$1]) < 0 }
        var finalIndex = [Int32](repeating: 0, count: keys.count)
        for (final, key) in byBytes.enumerated() { finalIndex[key] = Int32(final) }
        let ids = byBytes.map { keys[$0] }
        let profileOfPair = keyOfPair.map { finalIndex[Int($0)] }

        var ordered = pack
        let order = eventOrder(profileOfPair: profileOfPair, profiles: ids.count)
        ordered.gather(order)

        // Traits: latest-wins per key, by (time, receivedAt, sequence).
        let (identifies, groups) = pack.records()
        let userTraits = TraitTable(
            latestOf: identifies, owners: identifies.map { Int(profileOfPair[Int($0.pair)]) },
            count: ids.count, paths: layout.userTraitPaths, vocabulary: &ordered.vocabulary)

        // Accounts: the latest group call of each user; account traits over every group call.
        var latestGroup: [Int: (stamp: TraitSet.Stamp, groupId: String)] = [:]
        var groupIds: Set<String> = []
        for record in groups {
            guard let groupId = record.groupId else { continue }
            groupIds.insert(groupId)
            let profile = Int(profileOfPair[Int(record.pair)])
            if let current = latestGroup[profile], current.stamp > record.stamp {
                // An earlier call: the account stays.
            } else {
                latestGroup[profile] = (record.stamp, groupId)
            }
        }
        let accountIDs = groupIds.sorted { Value.compareBytes($0, $1) < 0 }
        var accountIndex: [String: Int32] = [:]
        for (i, id) in accountIDs.enumerated() { accountIndex[id] = Int32(i) }
        var accountOfUser = [Int32](repeating: -1, count: ids.count)
        for (profile, latest) in latestGroup {
            if let a = accountIndex[latest.groupId] { accountOfUser[profile] = a }
        }
        let accountTraits = TraitTable(
            latestOf: groups, owners: groups.map { Int(accountIndex[$0.groupId ?? ""] ?? 0) },
            count: accountIDs.count, paths: layout.accountTraitPaths, vocabulary: &ordered.vocabulary)
        return ResolvedPack(
            pack: ordered, ids: ids, profileOfPair: profileOfPair, userTraits: userTraits, accountIDs: accountIDs,
            accountOfUser: accountOfUser, accountTraits: accountTraits)
    }

    /// The pack's events in population order: by profile, then time; events at the same millisecond by
    /// the ids of their message (userId, then anonymousId, by bytes), then arrival. The order depends on
    /// the messages alone, not on how they were read (the log whole, or a file and the log after it).
    private func eventOrder(profileOfPair: [Int32], profiles profileCount: Int) -> [Int32] {
        let (times, eventPairs, pairs) = (pack.times, pack.eventPairs, pack.pairs)
        var starts = [Int](repeating: 0, count: profileCount + 1)
        for pair in eventPairs { starts[Int(profileOfPair[Int(pair)]) + 1] += 1 }
        for i in 0..<profileCount { starts[i + 1] += starts[i] }
        var order = [Int32](repeating: 0, count: times.count)
        var cursor = starts
        for (i, pair) in eventPairs.enumerated() {
            let profile = Int(profileOfPair[Int(pair)])
            order[cursor[profile]] = Int32(i)
            cursor[profile] += 1
        }
        func precedes(_ a: Int32, _ b: Int32) -> Bool {
            let (ta, tb) = (times[Int(a)], times[Int(b)])
            if ta != tb { return ta < tb }
            let (pa, pb) = (Int(eventPairs[Int(a)]), Int(eventPairs[Int(b)]))
            guard pa != pb else { return a < b }
            return TimelinePack.Pair.precedes(pairs[pa], pairs[pb])
        }
        for profile in 0..<profileCount {
            let range = starts[profile]..<starts[profile + 1]
            var i = range.lowerBound + 1
            while i < range.upperBound, precedes(order[i - 1], order[i]) { i += 1 }
            if i < range.upperBound { order[range].sort(by: precedes) }
        }
        return order
    }

    /// A population from resolved packed messages: the pack's columns as they are, the profiles'
    /// event ranges counted from them, and the account tables and timelines.
    private static func assemble(
        _ resolved: ResolvedPack, needs: DataNeeds, layout: PackLayout, asOf: Int64,
        identity: @escaping @Sendable () -> IdentityGraph
    ) -> Population {
        let pack = resolved.pack
        let (profileOfPair, profileCount) = (resolved.profileOfPair, resolved.ids.count)
        var starts = [Int](repeating: 0, count: profileCount + 1)
        for pair in pack.eventPairs { starts[Int(profileOfPair[Int(pair)]) + 1] += 1 }
        for i in 0..<profileCount { starts[i + 1] += starts[i] }
        var hasUserID = [Bool](repeating: false, count: profileCount)
        for (i, pair) in pack.pairs.enumerated() where pair.userId != nil { hasUserID[Int(profileOfPair[i])] = true }

        let accountCount = resolved.accountIDs.count
        let accountOfUser = resolved.accountOfUser
        var accountUserCounts = [Int](repeating: 0, count: accountCount + 1)
        for a in accountOfUser where a >= 0 { accountUserCounts[Int(a) + 1] += 1 }
        for i in 0..<accountCount { accountUserCounts[i + 1] += accountUserCounts[i] }
        var accountUsers = [Int32](repeating: 0, count: accountUserCounts.last ?? 0)
        var accountCursor = accountUserCounts
        for profile in 0..<profileCount where accountOfUser[profile] >= 0 {
            let a = Int(accountOfUser[profile])
            accountUsers[accountCursor[a]] = Int32(profile)
            accountCursor[a] += 1
        }

        let users = Timelines(
            kind: .users, ids: resolved.ids, hasUserID: hasUserID, starts: starts, times: pack.times,
            names: pack.names, users: [], propertyStarts: pack.propertyStarts, propertySlots: pack.propertySlots,
            propertyTags: pack.propertyTags, propertyValues: pack.propertyValues, traitPaths: layout.userTraitPaths,
            traitTags: resolved.userTraits.tags, traitValues: resolved.userTraits.values)

        // Account timelines: every event of the account's users, by time.
        var accountStarts = [Int](repeating: 0, count: accountCount + 1)
        // The pack's columns gathered in account order (an empty pack's when no definition reads them).
        var accountEvents = TimelinePack(layout: layout)
        var accountEventUsers: [UInt32] = []
        if needs.accountEvents {
            // Accounts in runs, merged on every core: each run's events in order, and where each account ends.
            let (members, starts) = (accountUsers, accountUserCounts)
            let step = max(1, accountCount / 64 + 1)
            let runs = Parallel.each(count: (accountCount + step - 1) / step) { run in
                var (order, eventUsers, ends) = ([Int32](), [UInt32](), [Int]())
                var merged: [(time: Int64, event: Int32, user: UInt32)] = []
                for a in run * step..<min(accountCount, (run + 1) * step) {
                    merged.removeAll(keepingCapacity: true)
                    for u in members[starts[a]..<starts[a + 1]] {
                        for e in users.events(of: Int(u)) { merged.append((users.times[e], Int32(e), UInt32(u))) }
                    }
                    merged.sort { $0.time != $1.time ? $0.time < $1.time : $0.event < $1.event }
                    for event in merged {
                        order.append(event.event)
                        eventUsers.append(event.user)
                    }
                    ends.append(order.count)
                }
                return (order, eventUsers, ends)
            }
            var accountOrder: [Int32] = []
            accountOrder.reserveCapacity(runs.reduce(0) { $0 + $1.0.count })
            accountEventUsers.reserveCapacity(accountOrder.capacity)
            var a = 0
            for (order, eventUsers, ends) in runs {
                let base = accountOrder.count
                accountOrder.append(contentsOf: order)
                accountEventUsers.append(contentsOf: eventUsers)
                for end in ends {
                    accountStarts[a + 1] = base + end
                    a += 1
                }
            }
            accountEvents = pack
            accountEvents.gather(accountOrder)
        }
        let accounts = Timelines(
            kind: .accounts, ids: resolved.accountIDs, hasUserID: [Bool](repeating: false, count: accountCount),
            starts: accountStarts, times: accountEvents.times, names: accountEvents.names, users: accountEventUsers,
            propertyStarts: accountEvents.propertyStarts, propertySlots: accountEvents.propertySlots,
            propertyTags: accountEvents.propertyTags, propertyValues: accountEvents.propertyValues,
            traitPaths: layout.accountTraitPaths, traitTags: resolved.accountTraits.tags,
            traitValues: resolved.accountTraits.values)

        return Population(
            asOf: asOf, vocabulary: pack.vocabulary, users: users, accounts: accounts,
            hasAccountEvents: needs.accountEvents, identity: identity, accountOfUser: accountOfUser,
            accountUserStarts: accountUserCounts, accountUsers: accountUsers)
    }
}
