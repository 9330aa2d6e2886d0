import StrataCore

/// Packed messages resolved into profiles as a ``TimelineBuilder`` resolves them: the pack with its
/// events in population order (by profile, then time) and its vocabulary holding the trait values, the
/// profile of each pair of ids, the latest traits, and the accounts.
///
/// A builder makes one to build a population; the timelines file stores one, so that a builder started
/// from the file and given no later message builds its population without resolving anything.
struct ResolvedPack: Sendable {
    /// The packed messages, events in population order.
    var pack: TimelinePack
    /// Profile ids, sorted by bytes.
    var ids: [String]
    /// The profile of each pair of ``TimelinePack/pairs``.
    var profileOfPair: [Int32]
    /// The latest user traits, `profile × layout.userTraitPaths`.
    var userTraits: TraitTable
    /// Account ids (groupIds), sorted by bytes.
    var accountIDs: [String]
    /// The account of each user (the groupId of its latest group call), or -1.
    var accountOfUser: [Int32]
    /// The latest account traits, `account × layout.accountTraitPaths`.
    var accountTraits: TraitTable
}

/// A dense table of the latest trait values of profiles: `profile * paths + slot`.
struct TraitTable: Sendable {
    var tags: [UInt8]
    var values: [UInt64]

    init(tags: [UInt8], values: [UInt64]) {
        self.tags = tags
        self.values = values
    }

    /// The latest values of `count` owners: records are applied per owner in stamp order, so for each
    /// top-level key the last write wins (a null write makes the trait missing).
    init(
        latestOf records: [TimelinePack.Stamped], owners: [Int], count: Int, paths: [[String]],
        vocabulary: inout Vocabulary
    ) {
        tags = [UInt8](repeating: StoredValue.absent, count: count * paths.count)
        values = [UInt64](repeating: 0, count: count * paths.count)
        guard !paths.isEmpty else { return }
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
    }
}

/// The identity links of packed messages (pairs carrying both ids, and alias calls), each at its
/// earliest stamp.
struct IdentityLinks: Sendable {
    private let pairs: [TimelinePack.Pair]
    private let pairLinks: [TraitSet.Stamp?]
    private let aliases: [TimelinePack.AliasKey: TraitSet.Stamp]

    init(_ pack: TimelinePack) {
        pairs = pack.pairs
        pairLinks = pack.pairLinks
        aliases = pack.aliases
    }

    /// The identity graph of the links, applied in (time, receivedAt, sequence) order.
    func graph() -> IdentityGraph {
        var links: [(stamp: TraitSet.Stamp, message: Message)] = []
        for (i, stamp) in pairLinks.enumerated() {
            guard let stamp else { continue }
            links.append(
                (
                    stamp,
                    Message(
                        kind: .identify, messageId: "", userId: pairs[i].userId, anonymousId: pairs[i].anonymousId,
                        timestamp: stamp.time, receivedAt: stamp.receivedAt)
                ))
        }
        for (key, stamp) in aliases {
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
        return graph
    }
}
