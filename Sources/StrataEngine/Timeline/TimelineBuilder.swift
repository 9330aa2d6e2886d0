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
        self.init(asOf: asOf, layout: snapshot.pack.layout)
        // Everything in the snapshot is as of the instant: the pack is taken whole, not copied.
        if snapshot.pack.latest <= asOf { pack = snapshot.pack } else { add(snapshot.pack) }
    }

    /// Whether the builder keeps at least what `other` keeps, so that a population it builds answers
    /// every question one of `other` does, the same way.
    public func covers(_ other: TimelineBuilder) -> Bool { layout.covers(other.layout) }

    /// What the builder holds as a snapshot covering the log up to `sequence` (`messages` messages,
    /// read with `erasures` ids erased): made by a builder as of `Int64.max`, which keeps every message.
    public func snapshot(sequence: Int64, messages: Int, erasures: Int) -> TimelineSnapshot {
        TimelineSnapshot(pack: pack, sequence: sequence, messages: messages, erasures: erasures)
    }

    /// The property and trait keys this builder reads: messages added may hold only these members of
    /// their properties and traits.
    public var payloadKeys: Set<String> { needs.payloadKeys.union(layout.userTraitHeads) }

    /// Adds one message; call in arrival order with its store sequence.
    public mutating func add(sequence: Int64, message: borrowing Message) {
        guard message.time <= asOf, message.userId != nil || message.anonymousId != nil else { return }
        pack.add(sequence: sequence, message: message)
    }

    /// Adds the messages packed in a pack of this builder's layout: those up to `asOf`, as if each had
    /// been added.
    mutating func add(_ packed: TimelinePack) {
        pack.add(packed, asOf: asOf)
    }

    /// Builds the population: resolves identities, sorts each profile's events by time and packs
    /// them into exact-size columns.
    public func build() -> Population {
        let (pairs, times, eventPairs) = (pack.pairs, pack.times, pack.eventPairs)
        let (identifies, groups) = (pack.identifies, pack.groups)
        let (userTraitPaths, accountTraitPaths) = (layout.userTraitPaths, layout.accountTraitPaths)
        // Identity, in time order.
        var links: [(stamp: TraitSet.Stamp, message: Message)] = []
        for (i, stamp) in pack.pairLinks.enumerated() {
            guard let stamp else { continue }
            links.append(
                (
                    stamp,
                    Message(
                        kind: .identify, messageId: "", userId: pairs[i].userId, anonymousId: pairs[i].anonymousId,
                        timestamp: stamp.time, receivedAt: stamp.receivedAt)
                ))
        }
        for (key, stamp) in pack.aliases {
            links.append(
                (
                    stamp,
                    Message(
                        kind: .alias, messageId: "", userId: key.userId, anonymousId: key.anonymousId,
                        previousId: key.previousId, timestamp: stamp.time, receivedAt: stamp.receivedAt)
                ))
        }
        links.sort { $0.stamp < $1.stamp }
        var graph = IdentityGraph()
        for link in links { graph.apply(link.message) }
        links = []

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
        let sortedKeys = byBytes.map { keys[$0] }
        let profileOfPair = keyOfPair.map { finalIndex[Int($0)] }
        var hasUserID = [Bool](repeating: false, count: sortedKeys.count)
        for (i, pair) in pairs.enumerated() where pair.userId != nil { hasUserID[Int(profileOfPair[i])] = true }

        // Events: counting sort by profile, then by time within a profile.
        let profileCount = sortedKeys.count
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
        for profile in 0..<profileCount {
            let range = starts[profile]..<starts[profile + 1]
            var sorted = true
            var i = range.lowerBound + 1
            while i < range.upperBound {
                if times[Int(order[i - 1])] > times[Int(order[i])] {
                    sorted = false
                    break
                }
                i += 1
            }
            if !sorted {
                order[range].sort { a, b in
                    let (ta, tb) = (times[Int(a)], times[Int(b)])
                    return ta != tb ? ta < tb : a < b
                }
            }
        }
        let userEvents = gather(order: order.lazy.map(Int.init), count: order.count)

        // Traits: latest-wins per key, by (time, receivedAt, sequence).
        var vocabulary = pack.vocabulary
        let (userTags, userValues) = Self.latestTraits(
            identifies, owners: identifies.map { Int(profileOfPair[Int($0.pair)]) }, count: profileCount,
            paths: userTraitPaths, vocabulary: &vocabulary)

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
        var accountOfUser = [Int32](repeating: -1, count: profileCount)
        var accountUserCounts = [Int](repeating: 0, count: accountIDs.count + 1)
        for (profile, latest) in latestGroup {
            guard let a = accountIndex[latest.groupId] else { continue }
            accountOfUser[profile] = a
            accountUserCounts[Int(a) + 1] += 1
        }
        for i in 0..<accountIDs.count { accountUserCounts[i + 1] += accountUserCounts[i] }
        var accountUsers = [Int32](repeating: 0, count: accountUserCounts.last ?? 0)
        var accountCursor = accountUserCounts
        for profile in 0..<profileCount where accountOfUser[profile] >= 0 {
            let a = Int(accountOfUser[profile])
            accountUsers[accountCursor[a]] = Int32(profile)
            accountCursor[a] += 1
        }
        let (accountTags, accountValues) = Self.latestTraits(
            groups, owners: groups.map { Int(accountIndex[$0.groupId ?? ""] ?? 0) }, count: accountIDs.count,
            paths: accountTraitPaths, vocabulary: &vocabulary)

        let users = Timelines(
            kind: .users, ids: sortedKeys, hasUserID: hasUserID, starts: starts, times: userEvents.times,
            names: userEvents.names, users: [], propertyStarts: userEvents.propertyStarts,
            propertySlots: userEvents.propertySlots, propertyTags: userEvents.propertyTags,
            propertyValues: userEvents.propertyValues, traitPaths: userTraitPaths, traitTags: userTags,
            traitValues: userValues)

        // Account timelines: every event of the account's users, by time.
        var accountStarts = [Int](repeating: 0, count: accountIDs.count + 1)
        var accountEvents = Columns()
        if needs.accountEvents {
            var accountOrder: [Int] = []
            var accountEventUsers: [UInt32] = []
            for a in 0..<accountIDs.count {
                var merged: [(time: Int64, event: Int, user: Int32)] = []
                for u in accountUsers[accountUserCounts[a]..<accountUserCounts[a + 1]] {
                    for e in users.events(of: Int(u)) { merged.append((users.times[e], e, u)) }
                }
                merged.sort { $0.time != $1.time ? $0.time < $1.time : $0.event < $1.event }
                accountOrder.append(contentsOf: merged.map(\.event))
                accountEventUsers.append(contentsOf: merged.map { UInt32($0.user) })
                accountStarts[a + 1] = accountOrder.count
            }
            accountEvents = Self.gather(from: users, order: accountOrder)
            accountEvents.users = Array(accountEventUsers)
        }
        let accounts = Timelines(
            kind: .accounts, ids: accountIDs, hasUserID: [Bool](repeating: false, count: accountIDs.count),
            starts: accountStarts, times: accountEvents.times, names: accountEvents.names, users: accountEvents.users,
            propertyStarts: accountEvents.propertyStarts, propertySlots: accountEvents.propertySlots,
            propertyTags: accountEvents.propertyTags, propertyValues: accountEvents.propertyValues,
            traitPaths: accountTraitPaths, traitTags: accountTags, traitValues: accountValues)

        return Population(
            asOf: asOf, vocabulary: vocabulary, users: users, accounts: accounts,
            hasAccountEvents: needs.accountEvents, identity: graph, accountOfUser: accountOfUser,
            accountUserStarts: accountUserCounts, accountUsers: accountUsers)
    }

    /// Event columns being packed.
    private struct Columns {
        var times: [Int64] = []
        var names: [UInt32] = []
        var users: [UInt32] = []
        var propertyStarts: [UInt32] = [0]
        var propertySlots: [UInt16] = []
        var propertyTags: [UInt8] = []
        var propertyValues: [UInt64] = []
    }

    /// Packs the packed events in `order` into exact-size columns.
    private func gather(order: some Collection<Int>, count: Int) -> Columns {
        let (times, names, propertyStarts) = (pack.times, pack.names, pack.propertyStarts)
        let (propertySlots, propertyTags, propertyValues) = (
            pack.propertySlots, pack.propertyTags, pack.propertyValues
        )
        var entryCount = 0
        for i in order { entryCount += Int(propertyStarts[i + 1] - propertyStarts[i]) }
        var columns = Columns()
        columns.times = Array(unsafeUninitializedCapacity: count) { buffer, initialized in
            var k = 0
            for i in order {
                buffer[k] = times[i]
                k += 1
            }
            initialized = k
        }
        columns.names = Array(unsafeUninitializedCapacity: count) { buffer, initialized in
            var k = 0
            for i in order {
                buffer[k] = names[i]
                k += 1
            }
            initialized = k
        }
        var starts = [UInt32]()
        starts.reserveCapacity(count + 1)
        starts.append(0)
        var slots = [UInt16]()
        slots.reserveCapacity(entryCount)
        var tags = [UInt8]()
        tags.reserveCapacity(entryCount)
        var values = [UInt64]()
        values.reserveCapacity(entryCount)
        for i in order {
            for j in Int(propertyStarts[i])..<Int(propertyStarts[i + 1]) {
                slots.append(propertySlots[j])
                tags.append(propertyTags[j])
                values.append(propertyValues[j])
            }
            starts.append(UInt32(truncatingIfNeeded: slots.count))
        }
        columns.propertyStarts = starts
        columns.propertySlots = slots
        columns.propertyTags = tags
        columns.propertyValues = values
        return columns
    }

    /// Packs events of built timelines (account timelines from user events) into exact-size columns.
    private static func gather(from source: Timelines, order: [Int]) -> Columns {
        var columns = Columns()
        columns.times = order.map { source.times[$0] }
        columns.names = order.map { source.names[$0] }
        var entryCount = 0
        for i in order { entryCount += Int(source.propertyStarts[i + 1] - source.propertyStarts[i]) }
        columns.propertyStarts.reserveCapacity(order.count + 1)
        columns.propertySlots.reserveCapacity(entryCount)
        columns.propertyTags.reserveCapacity(entryCount)
        columns.propertyValues.reserveCapacity(entryCount)
        for i in order {
            for j in Int(source.propertyStarts[i])..<Int(source.propertyStarts[i + 1]) {
                columns.propertySlots.append(source.propertySlots[j])
                columns.propertyTags.append(source.propertyTags[j])
                columns.propertyValues.append(source.propertyValues[j])
            }
            columns.propertyStarts.append(UInt32(truncatingIfNeeded: columns.propertySlots.count))
        }
        return columns
    }

    /// A dense `count × paths` table of the latest trait values: records are applied per owner in stamp
    /// order, so for each top-level key the last write wins (a null write makes the trait missing).
    private static func latestTraits(
        _ records: [TimelinePack.Stamped], owners: [Int], count: Int, paths: [[String]], vocabulary: inout Vocabulary
    ) -> ([UInt8], [UInt64]) {
        var tags = [UInt8](repeating: StoredValue.absent, count: count * paths.count)
        var values = [UInt64](repeating: 0, count: count * paths.count)
        guard !paths.isEmpty else { return (tags, values) }
        let heads = Array(Set(paths.map { $0[0] })).sorted()
        var headIndex: [String: Int] = [:]
        for (i, head) in heads.enumerated() { headIndex[head] = i }
        var slotsOfHead = [[(slot: Int, rest: [String])]](repeating: [], count: heads.count)
        for (slot, path) in paths.enumerated() {
            if let h = headIndex[path[0]] { slotsOfHead[h].append((slot, Array(path.dropFirst()))) }
        }
        let order = records.indices.filter { !records[$0].traits.isEmpty }.sorted { a, b in
            owners[a] != owners[b] ? owners[a] < owners[b] : records[a].stamp < records[b].stamp
        }
        var latest = [JSONValue?](repeating: nil, count: heads.count)
        var i = 0
        while i < order.count {
            let owner = owners[order[i]]
            for h in latest.indices { latest[h] = nil }
            var j = i
            while j < order.count, owners[order[j]] == owner {
                for (key, value) in records[order[j]].traits {
                    if let h = headIndex[key] { latest[h] = value }
                }
                j += 1
            }
            for (h, slots) in slotsOfHead.enumerated() {
                guard let head = latest[h] else { continue }
                for (slot, rest) in slots {
                    guard let value = rest.isEmpty ? head : head.value(atPath: rest) else { continue }
                    let (tag, payload) = vocabulary.encode(value)
                    tags[owner * paths.count + slot] = tag
                    values[owner * paths.count + slot] = payload
                }
            }
            i = j
        }
        return (tags, values)
    }
}
