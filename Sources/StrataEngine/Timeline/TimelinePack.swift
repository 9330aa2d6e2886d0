import StrataCore

/// What a ``TimelineBuilder`` keeps of messages: the property paths (with the events each is read
/// on) and the trait keys. Worked out once from ``DataNeeds`` and shared by every pack built for
/// them.
final class PackLayout: Sendable {
    let needs: DataNeeds
    /// The (slot, path, events) of every kept property path.
    let keptPaths: [(slot: UInt16, path: [String], events: DataNeeds.Events)]
    /// A vocabulary holding just the kept property paths, at their slots.
    let template: Vocabulary
    let userTraitPaths: [[String]]
    let accountTraitPaths: [[String]]
    let userTraitHeads: Set<String>
    let accountTraitHeads: Set<String>

    /// The layout of `needs`, keeping the user traits in `extraTraits` too (for listings).
    init(needs: DataNeeds, extraTraits: [[String]] = []) {
        self.needs = needs
        var vocabulary = Vocabulary()
        var kept: [(slot: UInt16, path: [String], events: DataNeeds.Events)] = []
        for (path, events) in needs.properties.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) })
        where kept.count < Int(UInt16.max) {
            kept.append((UInt16(vocabulary.addPropertyPath(path)), path, events))
        }
        self.template = vocabulary
        self.keptPaths = kept
        let users = needs.traits.union(extraTraits).filter { !$0.isEmpty }
        self.userTraitPaths = users.sorted { $0.lexicographicallyPrecedes($1) }
        self.accountTraitPaths = needs.accountTraits.filter { !$0.isEmpty }.sorted {
            $0.lexicographicallyPrecedes($1)
        }
        self.userTraitHeads = Set(userTraitPaths.compactMap(\.first))
        self.accountTraitHeads = Set(accountTraitPaths.compactMap(\.first))
    }

    /// The kept property paths read on events of a name, with their slots.
    func slots(on name: String) -> [(slot: UInt16, path: [String])] {
        keptPaths.filter { kept in
            switch kept.events {
            case .all: true
            case .named(let names): names.contains(name)
            }
        }.map { ($0.slot, $0.path) }
    }

    /// Whether packs of this layout keep everything packs of `other` keep: every property path on at
    /// least the same events, every trait, and account events when `other` has them. A population built
    /// from such a pack answers every question one of `other` does, the same way.
    func covers(_ other: PackLayout) -> Bool {
        for (path, wanted) in other.needs.properties {
            switch (needs.properties[path], wanted) {
            case (.all?, _): continue
            case (.named(let kept)?, .named(let names)) where names.isSubset(of: kept): continue
            default: return false
            }
        }
        return Set(other.userTraitPaths).isSubset(of: userTraitPaths)
            && Set(other.accountTraitPaths).isSubset(of: accountTraitPaths)
            && (needs.accountEvents || !other.needs.accountEvents)
    }
}

/// Messages packed in compact form: only the property values and traits a ``PackLayout`` keeps, with
/// event names and string values interned in a vocabulary of the pack's own.
///
/// A ``TimelineBuilder`` packs the messages it is given here. The live engine keeps a pack per
/// cluster of profiles, extended by each new message, and builds a population from the packs of the
/// clusters it evaluates (``add(_:asOf:)``) rather than from their messages again.
struct TimelinePack: Sendable {
    struct Pair: Hashable, Sendable {
        var userId: String?
        var anonymousId: String?

        /// Whether `a` comes before `b`: by userId, then anonymousId, by bytes, a missing id first.
        static func precedes(_ a: Pair, _ b: Pair) -> Bool {
            let users = compare(a.userId, b.userId)
            return users != 0 ? users < 0 : compare(a.anonymousId, b.anonymousId) < 0
        }

        private static func compare(_ a: String?, _ b: String?) -> Int {
            switch (a, b) {
            case (nil, nil): 0
            case (nil, _): -1
            case (_, nil): 1
            case (let a?, let b?): Value.compareBytes(a, b)
            }
        }
    }

    struct Stamped: Sendable {
        var pair: Int32
        var stamp: TraitSet.Stamp
        var traits: [String: JSONValue]
        var groupId: String?
    }

    struct AliasKey: Hashable, Sendable {
        var userId: String?
        var anonymousId: String?
        var previousId: String?
    }

    let layout: PackLayout
    var vocabulary: Vocabulary
    /// The index of each pair in ``pairs``; a pack read from a file makes it when first given a message.
    private var pairIndex: [Pair: Int32] = [:]
    var pairs: [Pair] = []
    /// The time of each pair's earliest message: the pair makes a profile from then on.
    var pairFirst: [Int64] = []
    /// The event name of the previous event, and its id.
    private var lastEventName: (name: String, id: UInt32)?
    /// The pair of the previous message: consecutive messages are often from one client.
    private var lastPair: (pair: Pair, index: Int32)?

    var times: [Int64] = []
    var eventPairs: [Int32] = []
    var names: [UInt32] = []
    var propertyStarts: [UInt32] = [0]
    var propertySlots: [UInt16] = []
    var propertyTags: [UInt8] = []
    var propertyValues: [UInt64] = []

    /// Property slots kept for each event name id.
    var slotsForName: [[(slot: UInt16, path: [String])]] = []

    /// For each pair carrying both ids, the stamp of its earliest message: a link repeated later never
    /// changes the graph (it is a no-op, or refused again), so only the first occurrence is applied.
    var pairLinks: [TraitSet.Stamp?] = []
    /// Alias calls, each distinct one at its earliest stamp.
    var aliases: [AliasKey: TraitSet.Stamp] = [:]
    /// Identify calls with kept traits, and group calls (see ``records()``).
    private var identifies: [Stamped] = []
    private var groups: [Stamped] = []
    /// More of them as a timelines file holds them, checked when it was read and decoded when first
    /// needed: a pack served as it is never decodes them.
    var encodedRecords: EncodedRecords?
    /// The latest time of a message packed.
    var latest = Int64.min

    /// An empty pack; with `vocabulary`, one that interns into it (holding the layout's property
    /// paths when the pack is built into a population).
    init(layout: PackLayout, vocabulary: Vocabulary = Vocabulary()) {
        self.layout = layout
        self.vocabulary = vocabulary
    }

    /// The identify calls with kept traits and the group calls, decoded.
    func records() -> (identifies: [Stamped], groups: [Stamped]) {
        guard let encodedRecords else { return (identifies, groups) }
        let decoded = encodedRecords.decoded()
        return (identifies + decoded.identifies, groups + decoded.groups)
    }

    /// Stages one message carrying an id; call in arrival order with its store sequence.
    mutating func add(sequence: Int64, message: borrowing Message) {
        if encodedRecords != nil {
            (identifies, groups) = records()
            encodedRecords = nil
        }
        let p = pairID(Pair(userId: message.userId, anonymousId: message.anonymousId), time: message.time)
        latest = max(latest, message.time)
        let stamp = TraitSet.Stamp(time: message.time, receivedAt: message.receivedAt, sequence: sequence)
        if message.kind == .alias {
            noteAlias(
                AliasKey(userId: message.userId, anonymousId: message.anonymousId, previousId: message.previousId),
                stamp)
        } else if message.userId != nil, message.anonymousId != nil {
            noteLink(p, stamp)
        }
        switch message.kind {
        case .track, .page, .screen:
            addEvent(message, pair: p)
        case .identify:
            let traits = message.traits.filter { layout.userTraitHeads.contains($0.key) }
            if !traits.isEmpty { identifies.append(Stamped(pair: p, stamp: stamp, traits: traits)) }
        case .group:
            if let groupId = message.groupId {
                let traits = message.traits.filter { layout.accountTraitHeads.contains($0.key) }
                groups.append(Stamped(pair: p, stamp: stamp, traits: traits, groupId: groupId))
            }
        case .alias:
            break
        }
    }

    /// Stages what another pack (of the same layout) holds up to an instant, in its order: its
    /// messages later than `asOf` are left out, as a builder as of then would have ignored them.
    mutating func add(_ other: TimelinePack, asOf: Int64) {
        // A message that left nothing else packed (an identify without kept traits) still counts.
        if other.latest <= asOf { latest = max(latest, other.latest) }
        var pairMap = [Int32](repeating: -1, count: other.pairs.count)
        for (i, pair) in other.pairs.enumerated() where other.pairFirst[i] <= asOf {
            let p = pairID(pair, time: other.pairFirst[i])
            pairMap[i] = p
            if let stamp = other.pairLinks[i], stamp.time <= asOf { noteLink(p, stamp) }
        }
        for (key, stamp) in other.aliases where stamp.time <= asOf { noteAlias(key, stamp) }
        var nameMap = [UInt32?](repeating: nil, count: other.vocabulary.eventNames.count)
        var stringMap = [UInt32?](repeating: nil, count: other.vocabulary.strings.count)
        for e in other.times.indices where other.times[e] <= asOf {
            latest = max(latest, other.times[e])
            times.append(other.times[e])
            eventPairs.append(pairMap[Int(other.eventPairs[e])])
            let local = Int(other.names[e])
            if let id = nameMap[local] {
                names.append(id)
            } else {
                let id = nameID(other.vocabulary.eventNames[local])
                nameMap[local] = id
                names.append(id)
            }
            for j in Int(other.propertyStarts[e])..<Int(other.propertyStarts[e + 1]) {
                let (tag, payload) = (other.propertyTags[j], other.propertyValues[j])
                propertySlots.append(other.propertySlots[j])
                propertyTags.append(tag)
                switch tag {
                case StoredValue.string:
                    let id =
                        stringMap[Int(payload)] ?? vocabulary.internString(other.vocabulary.strings[Int(payload)])
                    stringMap[Int(payload)] = id
                    propertyValues.append(UInt64(id))
                case StoredValue.json:
                    propertyValues.append(vocabulary.encode(other.vocabulary.jsonValues[Int(payload)]).payload)
                default:
                    propertyValues.append(payload)
                }
            }
            propertyStarts.append(UInt32(truncatingIfNeeded: propertySlots.count))
        }
        let records = other.records()
        for var record in records.identifies where record.stamp.time <= asOf {
            record.pair = pairMap[Int(record.pair)]
            identifies.append(record)
        }
        for var record in records.groups where record.stamp.time <= asOf {
            record.pair = pairMap[Int(record.pair)]
            groups.append(record)
        }
    }

    /// Puts the events in `order` (a permutation of their indexes), into exact-size columns: the
    /// columns of one value per event and those of their properties at the same time.
    mutating func gather(_ order: [Int32]) {
        let pack = self
        let gathered = Parallel.each(count: 2) { part in
            part == 0
                ? Gathered.events(pack.gatheredEvents(order)) : Gathered.properties(pack.gatheredProperties(order))
        }
        guard case .events(let events) = gathered[0], case .properties(let properties) = gathered[1] else {
            preconditionFailure("the two parts of a gather came back in another order")
        }
        (times, eventPairs, names) = events
        (propertyStarts, propertySlots, propertyTags, propertyValues) = properties
    }

    /// What each part of ``gather(_:)`` gives.
    private enum Gathered: Sendable {
        case events(([Int64], [Int32], [UInt32]))
        case properties(([UInt32], [UInt16], [UInt8], [UInt64]))
    }

    private func gatheredEvents(_ order: [Int32]) -> ([Int64], [Int32], [UInt32]) {
        func permuted<T>(_ column: [T]) -> [T] {
            [T](unsafeUninitializedCapacity: order.count) { buffer, initialized in
                for (k, i) in order.enumerated() { buffer.initializeElement(at: k, to: column[Int(i)]) }
                initialized = order.count
            }
        }
        return (permuted(times), permuted(eventPairs), permuted(names))
    }

    private func gatheredProperties(_ order: [Int32]) -> ([UInt32], [UInt16], [UInt8], [UInt64]) {
        var starts = [UInt32]()
        starts.reserveCapacity(order.count + 1)
        starts.append(0)
        var slots = [UInt16]()
        slots.reserveCapacity(propertySlots.count)
        var tags = [UInt8]()
        tags.reserveCapacity(propertySlots.count)
        var values = [UInt64]()
        values.reserveCapacity(propertySlots.count)
        for i in order {
            for j in Int(propertyStarts[Int(i)])..<Int(propertyStarts[Int(i) + 1]) {
                slots.append(propertySlots[j])
                tags.append(propertyTags[j])
                values.append(propertyValues[j])
            }
            starts.append(UInt32(truncatingIfNeeded: slots.count))
        }
        return (starts, slots, tags, values)
    }

    /// The earliest instant after `instant` of anything packed (an event, a pair's first message, a
    /// link, an alias, traits), or nil: when a pack holds a message from the future, evaluating it
    /// again then may change what it gives.
    func earliest(after instant: Int64) -> Int64? {
        var earliest = Int64.max
        later(than: instant) { _, time in earliest = min(earliest, time) }
        return earliest == Int64.max ? nil : earliest
    }

    /// What packed a message: a pair of ids (by index in ``pairs``), or an alias call.
    enum Source {
        case pair(Int32)
        case alias(AliasKey)
    }

    /// Calls `body` with everything packed after `instant` (an event, a pair's first message, a link,
    /// an alias, traits), with what packed it and its time.
    func later(than instant: Int64, _ body: (Source, Int64) -> Void) {
        guard latest > instant else { return }
        for (event, time) in times.enumerated() where time > instant { body(.pair(eventPairs[event]), time) }
        for (pair, time) in pairFirst.enumerated() where time > instant { body(.pair(Int32(pair)), time) }
        for (pair, stamp) in pairLinks.enumerated() {
            if let stamp, stamp.time > instant { body(.pair(Int32(pair)), stamp.time) }
        }
        for (key, stamp) in aliases where stamp.time > instant { body(.alias(key), stamp.time) }
        let records = records()
        for record in records.identifies + records.groups where record.stamp.time > instant {
            body(.pair(record.pair), record.stamp.time)
        }
    }

    /// The index of a pair of ids, added if new, with the time of a message carrying it.
    private mutating func pairID(_ pair: Pair, time: Int64) -> Int32 {
        if pairIndex.count < pairs.count {
            pairIndex.reserveCapacity(pairs.count)
            for index in pairIndex.count..<pairs.count { pairIndex[pairs[index]] = Int32(index) }
        }
        let p: Int32
        if let last = lastPair, last.pair == pair {
            p = last.index
        } else if let existing = pairIndex[pair] {
            p = existing
        } else {
            p = Int32(pairs.count)
            pairs.append(pair)
            pairFirst.append(time)
            pairLinks.append(nil)
            pairIndex[pair] = p
        }
        if time < pairFirst[Int(p)] { pairFirst[Int(p)] = time }
        lastPair = (pair, p)
        return p
    }

    private mutating func noteLink(_ pair: Int32, _ stamp: TraitSet.Stamp) {
        if let existing = pairLinks[Int(pair)], existing < stamp { return }
        pairLinks[Int(pair)] = stamp
    }

    private mutating func noteAlias(_ key: AliasKey, _ stamp: TraitSet.Stamp) {
        if let existing = aliases[key], existing < stamp { return }
        aliases[key] = stamp
    }

    /// The id of an event name, interned if new along with the property slots kept on it.
    private mutating func nameID(_ name: String) -> UInt32 {
        if let last = lastEventName, Value.sameBytes(last.name, name) { return last.id }
        let id = vocabulary.internEventName(name)
        lastEventName = (name, id)
        if Int(id) == slotsForName.count { slotsForName.append(layout.slots(on: name)) }
        return id
    }

    private mutating func addEvent(_ message: borrowing Message, pair: Int32) {
        let name =
            message.event ?? (message.kind == .page ? "Page Viewed" : message.kind == .screen ? "Screen Viewed" : "")
        let id = nameID(name)
        times.append(message.time)
        eventPairs.append(pair)
        names.append(id)
        for (slot, path) in slotsForName[Int(id)] {
            guard let head = message.properties[path[0]] else { continue }
            let value = path.count == 1 ? head : head.value(atPath: Array(path.dropFirst()))
            guard let value else { continue }
            let (tag, payload) = vocabulary.encode(value)
            guard tag != StoredValue.absent else { continue }
            propertySlots.append(slot)
            propertyTags.append(tag)
            propertyValues.append(payload)
        }
        propertyStarts.append(UInt32(truncatingIfNeeded: propertySlots.count))
    }
}
