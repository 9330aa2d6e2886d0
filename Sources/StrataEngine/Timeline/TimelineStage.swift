import StrataCore

/// What a ``TimelineBuilder`` keeps of messages: the property paths (with the events each is read
/// on) and the trait keys. Worked out once from ``DataNeeds`` and shared by every stage built for
/// them.
final class StageLayout: Sendable {
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
}

/// Messages staged in compact form: only the property values and traits a ``StageLayout`` keeps, with
/// event names and string values interned in a vocabulary of the stage's own.
///
/// A ``TimelineBuilder`` stages the messages it is given here. The live engine keeps a stage per
/// cluster of profiles, extended by each new message, and builds a population from the stages of the
/// clusters it evaluates (``add(_:asOf:)``) rather than from their messages again.
struct TimelineStage: Sendable {
    struct Pair: Hashable, Sendable {
        var userId: String?
        var anonymousId: String?
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

    let layout: StageLayout
    /// Whether the stage keeps the sequence of each event, so that it can be joined with another
    /// (``joined(_:_:)``): the live engine's stages of clusters do, a builder's does not.
    let keepsSequences: Bool
    var vocabulary: Vocabulary
    private var pairIndex: [Pair: Int32] = [:]
    private(set) var pairs: [Pair] = []
    /// The time of each pair's earliest message: the pair makes a profile from then on.
    private var pairFirst: [Int64] = []
    /// The event name of the previous event, and its id.
    private var lastEventName: (name: String, id: UInt32)?
    /// The pair of the previous message: consecutive messages are often from one client.
    private var lastPair: (pair: Pair, index: Int32)?

    private(set) var times: [Int64] = []
    /// The store sequence of each event, when the stage keeps them (``keepsSequences``).
    private(set) var sequences: [Int64] = []
    private(set) var eventPairs: [Int32] = []
    private(set) var names: [UInt32] = []
    private(set) var propertyStarts: [UInt32] = [0]
    private(set) var propertySlots: [UInt16] = []
    private(set) var propertyTags: [UInt8] = []
    private(set) var propertyValues: [UInt64] = []

    /// Property slots kept for each event name id.
    private var slotsForName: [[(slot: UInt16, path: [String])]] = []

    /// For each pair carrying both ids, the stamp of its earliest message: a link repeated later never
    /// changes the graph (it is a no-op, or refused again), so only the first occurrence is applied.
    private(set) var pairLinks: [TraitSet.Stamp?] = []
    /// Alias calls, each distinct one at its earliest stamp.
    private(set) var aliases: [AliasKey: TraitSet.Stamp] = [:]
    private(set) var identifies: [Stamped] = []
    private(set) var groups: [Stamped] = []
    /// The latest time of a message staged.
    private(set) var latest = Int64.min

    /// An empty stage; with `vocabulary`, one that interns into it (holding the layout's property
    /// paths when the stage is built into a population).
    init(layout: StageLayout, vocabulary: Vocabulary = Vocabulary(), keepingSequences: Bool = false) {
        self.layout = layout
        self.vocabulary = vocabulary
        self.keepsSequences = keepingSequences
    }

    /// Stages one message carrying an id; call in arrival order with its store sequence.
    mutating func add(sequence: Int64, message: borrowing Message) {
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
            addEvent(message, sequence: sequence, pair: p)
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

    /// Stages what another stage (of the same layout) holds up to an instant, in its order: its
    /// messages later than `asOf` are left out, as a builder as of then would have ignored them.
    mutating func add(_ other: TimelineStage, asOf: Int64) {
        var copy = Copy(of: other, into: &self, asOf: asOf)
        for e in other.times.indices where other.times[e] <= asOf { copy.event(e, into: &self) }
        copy.records(into: &self)
    }

    /// The stage of two clusters joined: what both stages hold (of one layout, each keeping its
    /// message sequences), with the events in sequence order, as if their messages had been staged
    /// together.
    static func joined(_ a: TimelineStage, _ b: TimelineStage) -> TimelineStage {
        var joined = TimelineStage(layout: a.layout, keepingSequences: true)
        var first = Copy(of: a, into: &joined, asOf: Int64.max)
        var second = Copy(of: b, into: &joined, asOf: Int64.max)
        var (i, j) = (0, 0)
        while i < a.times.count || j < b.times.count {
            if j == b.times.count || (i < a.times.count && a.sequences[i] < b.sequences[j]) {
                first.event(i, into: &joined)
                i += 1
            } else {
                second.event(j, into: &joined)
                j += 1
            }
        }
        first.records(into: &joined)
        second.records(into: &joined)
        return joined
    }

    /// The earliest instant after `instant` of anything staged (an event, a pair's first message, a
    /// link, an alias, traits), or nil: when a stage holds a message from the future, evaluating it
    /// again then may change what it gives.
    func earliest(after instant: Int64) -> Int64? {
        guard latest > instant else { return nil }
        var earliest = Int64.max
        func note(_ time: Int64) { if time > instant, time < earliest { earliest = time } }
        for time in times { note(time) }
        for time in pairFirst { note(time) }
        for stamp in pairLinks { if let stamp { note(stamp.time) } }
        for stamp in aliases.values { note(stamp.time) }
        for record in identifies { note(record.stamp.time) }
        for record in groups { note(record.stamp.time) }
        return earliest == Int64.max ? nil : earliest
    }

    /// Copies what one stage holds into another of the same layout, an event at a time, translating
    /// its pairs, event names and strings into the other's.
    private struct Copy {
        let source: TimelineStage
        let asOf: Int64
        var pairMap: [Int32]
        var nameMap: [UInt32?]
        var stringMap: [UInt32?]

        /// Starts a copy: the pairs, links and aliases up to `asOf` are staged at once.
        init(of source: TimelineStage, into stage: inout TimelineStage, asOf: Int64) {
            self.source = source
            self.asOf = asOf
            // A message that left nothing else staged (an identify without kept traits) still counts.
            if source.latest <= asOf { stage.latest = max(stage.latest, source.latest) }
            pairMap = [Int32](repeating: -1, count: source.pairs.count)
            for (i, pair) in source.pairs.enumerated() where source.pairFirst[i] <= asOf {
                let p = stage.pairID(pair, time: source.pairFirst[i])
                pairMap[i] = p
                if let stamp = source.pairLinks[i], stamp.time <= asOf { stage.noteLink(p, stamp) }
            }
            for (key, stamp) in source.aliases where stamp.time <= asOf { stage.noteAlias(key, stamp) }
            nameMap = [UInt32?](repeating: nil, count: source.vocabulary.eventNames.count)
            stringMap = [UInt32?](repeating: nil, count: source.vocabulary.strings.count)
        }

        /// Stages the source's event at index `e`.
        mutating func event(_ e: Int, into stage: inout TimelineStage) {
            let time = source.times[e]
            stage.latest = max(stage.latest, time)
            stage.times.append(time)
            if stage.keepsSequences { stage.sequences.append(source.sequences[e]) }
            stage.eventPairs.append(pairMap[Int(source.eventPairs[e])])
            let local = Int(source.names[e])
            if let id = nameMap[local] {
                stage.names.append(id)
            } else {
                let id = stage.nameID(source.vocabulary.eventNames[local])
                nameMap[local] = id
                stage.names.append(id)
            }
            for j in Int(source.propertyStarts[e])..<Int(source.propertyStarts[e + 1]) {
                let (tag, payload) = (source.propertyTags[j], source.propertyValues[j])
                stage.propertySlots.append(source.propertySlots[j])
                stage.propertyTags.append(tag)
                switch tag {
                case StoredValue.string:
                    let id =
                        stringMap[Int(payload)]
                        ?? stage.vocabulary.internString(source.vocabulary.strings[Int(payload)])
                    stringMap[Int(payload)] = id
                    stage.propertyValues.append(UInt64(id))
                case StoredValue.json:
                    stage.propertyValues.append(
                        stage.vocabulary.encode(source.vocabulary.jsonValues[Int(payload)]).payload)
                default:
                    stage.propertyValues.append(payload)
                }
            }
            stage.propertyStarts.append(UInt32(truncatingIfNeeded: stage.propertySlots.count))
        }

        /// Stages the source's traits and group calls up to `asOf`: ends the copy.
        func records(into stage: inout TimelineStage) {
            for var record in source.identifies where record.stamp.time <= asOf {
                record.pair = pairMap[Int(record.pair)]
                stage.identifies.append(record)
            }
            for var record in source.groups where record.stamp.time <= asOf {
                record.pair = pairMap[Int(record.pair)]
                stage.groups.append(record)
            }
        }
    }

    /// The index of a pair of ids, added if new, with the time of a message carrying it.
    private mutating func pairID(_ pair: Pair, time: Int64) -> Int32 {
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
        if Int(id) == slotsForName.count {
            slotsForName.append(
                layout.keptPaths.filter { kept in
                    switch kept.events {
                    case .all: true
                    case .named(let names): names.contains(name)
                    }
                }.map { ($0.slot, $0.path) })
        }
        return id
    }

    private mutating func addEvent(_ message: borrowing Message, sequence: Int64, pair: Int32) {
        let name =
            message.event ?? (message.kind == .page ? "Page Viewed" : message.kind == .screen ? "Screen Viewed" : "")
        let id = nameID(name)
        times.append(message.time)
        if keepsSequences { sequences.append(sequence) }
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
