import StrataCore

/// The clusters kept in memory, so that evaluating a cluster reads no store. A cluster is held whole
/// (every message it has) or not at all, and is held packed (``TimelinePack``): only what
/// evaluation reads of its messages, in compact form, extended by each new message. The messages
/// themselves are not kept.
///
/// The cache holds at most `capacity` messages. Past that, the clusters used least recently (given a
/// message or evaluated) are dropped, one at a time, until the messages fit again; they are read back
/// from the store when next needed. Finding the least recently used cluster takes constant time: the
/// held clusters form a list in the order of their use.
struct ClusterCache {
    /// A held cluster: its pack, how many messages it has, and its neighbours in the order of use.
    private struct Slot {
        var root: String
        var pack: TimelinePack
        var count: Int
        /// The slot used just before this one, and just after (-1 at either end).
        var older = -1
        var newer = -1
    }

    /// The most messages held.
    let capacity: Int
    /// What packs keep.
    let layout: PackLayout
    /// The messages held now.
    private(set) var count = 0
    private var slots: [Slot] = []
    /// Slots no cluster is in, to be used again.
    private var free: [Int] = []
    /// The slot of each held cluster.
    private var index: [String: Int] = [:]
    /// The least and the most recently used slots (-1 when none is held).
    private var oldest = -1
    private var newest = -1

    init(capacity: Int, layout: PackLayout) {
        self.capacity = max(0, capacity)
        self.layout = layout
    }

    /// Whether a cluster is held.
    func holds(_ root: String) -> Bool { index[root] != nil }

    /// The roots of the clusters held.
    var roots: Dictionary<String, Int>.Keys { index.keys }

    /// The pack of a cluster and how many messages it has, if held, marking it used.
    mutating func pack(of root: String) -> (pack: TimelinePack, count: Int)? {
        guard let slot = index[root] else { return nil }
        use(slot)
        return (slots[slot].pack, slots[slot].count)
    }

    /// The messages of a cluster (ascending sequence) packed.
    static func pack(_ messages: [(sequence: Int64, message: Message)], layout: PackLayout) -> TimelinePack {
        var pack = TimelinePack(layout: layout)
        for (sequence, message) in messages { pack.add(sequence: sequence, message: message) }
        return pack
    }

    /// Holds a cluster: its messages packed, and how many there are. Then makes room if needed.
    mutating func hold(_ pack: TimelinePack, count: Int, of root: String) {
        drop(root)
        guard count <= capacity else { return }
        let slot: Int
        if let reused = free.popLast() {
            slot = reused
            slots[slot] = Slot(root: root, pack: pack, count: count)
        } else {
            slot = slots.count
            slots.append(Slot(root: root, pack: pack, count: count))
        }
        index[root] = slot
        link(slot)
        self.count += count
        trim()
    }

    /// Adds a cluster's newest message when the cluster is held, marking it used.
    mutating func append(_ message: Message, sequence: Int64, to root: String) {
        guard let slot = index[root] else { return }
        use(slot)
        slots[slot].pack.add(sequence: sequence, message: message)
        slots[slot].count += 1
        count += 1
        trim()
    }

    /// Joins two clusters under `keep`: held whole when both parts are (a part with no messages
    /// counts as held), otherwise dropped, to be read back whole.
    mutating func join(_ gone: String, into keep: String, goneIsEmpty: Bool, keepIsEmpty: Bool) {
        let moved = index[gone].map { (slots[$0].pack, slots[$0].count) }
        drop(gone)
        switch (moved, index[keep]) {
        case (let (pack, added)?, let slot?):
            // Appended whatever the order of their messages: a builder sorts each profile's events
            // by time, and no function reads the order of events at one instant.
            slots[slot].pack.add(pack, asOf: Int64.max)
            slots[slot].count += added
            count += added
            use(slot)
            trim()
        case (let (pack, added)?, nil) where keepIsEmpty:
            hold(pack, count: added, of: keep)
        case (nil, _?) where goneIsEmpty:
            break
        default:
            drop(keep)
        }
    }

    /// Lets go of a cluster's pack.
    mutating func drop(_ root: String) {
        guard let slot = index.removeValue(forKey: root) else { return }
        unlink(slot)
        count -= slots[slot].count
        // Let go of the pack now, not when the slot is next used.
        slots[slot] = Slot(root: "", pack: Self.pack([], layout: layout), count: 0)
        free.append(slot)
    }

    /// Drops the least recently used clusters while more messages are held than fit.
    private mutating func trim() {
        while count > capacity, oldest >= 0 { drop(slots[oldest].root) }
    }

    /// Marks a slot the most recently used.
    private mutating func use(_ slot: Int) {
        guard slot != newest else { return }
        unlink(slot)
        link(slot)
    }

    /// Puts a slot at the most recently used end of the order.
    private mutating func link(_ slot: Int) {
        slots[slot].older = newest
        slots[slot].newer = -1
        if newest >= 0 { slots[newest].newer = slot } else { oldest = slot }
        newest = slot
    }

    /// Takes a slot out of the order.
    private mutating func unlink(_ slot: Int) {
        let (older, newer) = (slots[slot].older, slots[slot].newer)
        if older >= 0 { slots[older].newer = newer } else { oldest = newer }
        if newer >= 0 { slots[newer].older = older } else { newest = older }
    }
}
