import StrataCore

extension TimelineSnapshot {
    /// Writes a pack: its vocabulary, its pairs of ids with their links and aliases, its event columns
    /// as they are in memory, then its identify and group records.
    static func write(_ pack: TimelinePack, to writer: inout SnapshotWriter) {
        let vocabulary = pack.vocabulary
        writer.count(vocabulary.eventNames.count)
        for name in vocabulary.eventNames { writer.string(name) }
        writer.count(vocabulary.strings.count)
        for string in vocabulary.strings { writer.string(string) }
        writer.count(vocabulary.jsonValues.count)
        for value in vocabulary.jsonValues { writer.json(value) }

        writer.count(pack.pairs.count)
        for pair in pack.pairs { writeIds([pair.userId, pair.anonymousId], to: &writer) }
        writer.column(pack.pairFirst)
        for link in pack.pairLinks {
            writer.count(link == nil ? 0 : 1)
            if let link { writeStamp(link, to: &writer) }
        }
        writer.count(pack.aliases.count)
        for (key, stamp) in pack.aliases {
            writeIds([key.userId, key.anonymousId, key.previousId], to: &writer)
            writeStamp(stamp, to: &writer)
        }

        // Times in population order grow within a profile: each as the difference from the one before.
        writer.count(pack.times.count)
        var previous: Int64 = 0
        for time in pack.times {
            writer.signed(time &- previous)
            previous = time
        }
        writer.column(pack.eventPairs)
        // Names and property counts are small: a byte each, mostly, rather than four.
        for name in pack.names { writer.unsigned(UInt64(name)) }
        for e in pack.times.indices { writer.unsigned(UInt64(pack.propertyStarts[e + 1] - pack.propertyStarts[e])) }
        writer.column(pack.propertySlots)
        writer.column(pack.propertyTags)
        writer.column(pack.propertyValues)

        for records in [pack.identifies, pack.groups] {
            writer.count(records.count)
            for record in records {
                writer.count(Int(record.pair))
                writeStamp(record.stamp, to: &writer)
                writer.count(record.traits.count)
                for (key, value) in record.traits.sorted(by: { $0.key < $1.key }) {
                    writer.string(key)
                    writer.json(value)
                }
                writeIds([record.groupId], to: &writer)
            }
        }
        writer.signed(pack.latest)
    }

    /// Reads a pack of a layout, checking that every index it holds points inside its tables.
    static func readPack(_ reader: inout SnapshotReader, layout: PackLayout) throws(SnapshotError) -> TimelinePack {
        let eventNames = try (0..<reader.count()).map { _ throws(SnapshotError) in try reader.string() }
        let strings = try (0..<reader.count()).map { _ throws(SnapshotError) in try reader.string() }
        let jsonValues = try (0..<reader.count()).map { _ throws(SnapshotError) in try reader.json() }
        let vocabulary = Vocabulary(
            eventNames: eventNames, propertyPaths: layout.template.propertyPaths, strings: strings,
            jsonValues: jsonValues)
        guard vocabulary.eventNames.count == eventNames.count, vocabulary.strings.count == strings.count else {
            throw SnapshotError("the timelines file names an event or a string twice", at: reader.offset)
        }
        var pack = TimelinePack(layout: layout, vocabulary: vocabulary)

        let pairCount = try reader.count()
        pack.pairs.reserveCapacity(pairCount)
        for _ in 0..<pairCount {
            let ids = try readIds(2, &reader)
            pack.pairs.append(TimelinePack.Pair(userId: ids[0], anonymousId: ids[1]))
        }
        pack.pairFirst = try reader.column()
        pack.pairLinks = try (0..<pairCount).map { _ throws(SnapshotError) in
            try reader.count() == 0 ? nil : try readStamp(&reader)
        }
        for _ in 0..<(try reader.count()) {
            let ids = try readIds(3, &reader)
            let stamp = try readStamp(&reader)
            pack.aliases[TimelinePack.AliasKey(userId: ids[0], anonymousId: ids[1], previousId: ids[2])] = stamp
        }

        let events = try reader.count()
        pack.times.reserveCapacity(events)
        var previous: Int64 = 0
        for _ in 0..<events {
            previous = previous &+ (try reader.signed())
            pack.times.append(previous)
        }
        pack.eventPairs = try reader.column()
        pack.names.reserveCapacity(events)
        for _ in 0..<events { pack.names.append(try readUInt32(&reader)) }
        pack.propertyStarts.reserveCapacity(events + 1)
        var entries: UInt32 = 0
        for _ in 0..<events {
            let (sum, overflow) = entries.addingReportingOverflow(try readUInt32(&reader))
            guard !overflow else {
                throw SnapshotError("the timelines file has too many properties", at: reader.offset)
            }
            entries = sum
            pack.propertyStarts.append(entries)
        }
        pack.propertySlots = try reader.column()
        pack.propertyTags = try reader.column()
        pack.propertyValues = try reader.column()

        var records: [[TimelinePack.Stamped]] = []
        for _ in 0..<2 {
            records.append(
                try (0..<reader.count()).map { _ throws(SnapshotError) in
                    let pair = try reader.unsigned()
                    guard pair < UInt64(pairCount) else {
                        throw SnapshotError("a record of the timelines file names no pair of ids", at: reader.offset)
                    }
                    let stamp = try readStamp(&reader)
                    var traits: [String: JSONValue] = [:]
                    for _ in 0..<(try reader.count()) {
                        let key = try reader.string()
                        traits[key] = try reader.json()
                    }
                    return TimelinePack.Stamped(
                        pair: Int32(pair), stamp: stamp, traits: traits, groupId: try readIds(1, &reader)[0])
                })
        }
        (pack.identifies, pack.groups) = (records[0], records[1])
        pack.latest = try reader.signed()
        try check(pack, at: reader.offset)

        pack.pairIndex.reserveCapacity(pairCount)
        for (index, pair) in pack.pairs.enumerated() { pack.pairIndex[pair] = Int32(index) }
        pack.slotsForName = eventNames.map { layout.slots(on: $0) }
        return pack
    }

    /// Fails unless the columns agree in length and every id in them points inside its table.
    private static func check(_ pack: TimelinePack, at offset: Int) throws(SnapshotError) {
        let events = pack.times.count
        let entries = pack.propertySlots.count
        guard pack.pairFirst.count == pack.pairs.count, pack.eventPairs.count == events, pack.names.count == events,
            pack.propertyStarts.count == events + 1, pack.propertyStarts.first == 0,
            pack.propertyStarts.last.map(Int.init) == entries, pack.propertyTags.count == entries,
            pack.propertyValues.count == entries
        else { throw SnapshotError("the columns of the timelines file disagree in length", at: offset) }
        let (pairs, names) = (Int32(pack.pairs.count), UInt32(pack.vocabulary.eventNames.count))
        let slots = UInt16(pack.vocabulary.propertyPaths.count)
        for e in 0..<events {
            guard pack.eventPairs[e] >= 0, pack.eventPairs[e] < pairs, pack.names[e] < names,
                pack.propertyStarts[e] <= pack.propertyStarts[e + 1]
            else { throw SnapshotError("event \(e) of the timelines file points outside its tables", at: offset) }
        }
        let (strings, values) = (UInt64(pack.vocabulary.strings.count), UInt64(pack.vocabulary.jsonValues.count))
        for j in 0..<entries {
            let payload = pack.propertyValues[j]
            let valid =
                switch pack.propertyTags[j] {
                case StoredValue.number, StoredValue.bool: true
                case StoredValue.string: payload < strings
                case StoredValue.json: payload < values
                default: false
                }
            guard valid, pack.propertySlots[j] < slots else {
                throw SnapshotError("property \(j) of the timelines file points outside its tables", at: offset)
            }
        }
    }

    private static func readUInt32(_ reader: inout SnapshotReader) throws(SnapshotError) -> UInt32 {
        let at = reader.offset
        guard let value = UInt32(exactly: try reader.unsigned()) else {
            throw SnapshotError("a number of the timelines file is out of range", at: at)
        }
        return value
    }

    /// Optional ids: a byte saying which are present, then those.
    private static func writeIds(_ ids: [String?], to writer: inout SnapshotWriter) {
        var present = 0
        for (index, id) in ids.enumerated() where id != nil { present |= 1 << index }
        writer.count(present)
        for id in ids { if let id { writer.string(id) } }
    }

    private static func readIds(_ count: Int, _ reader: inout SnapshotReader) throws(SnapshotError) -> [String?] {
        let present = try reader.count()
        return try (0..<count).map { index throws(SnapshotError) in
            present & (1 << index) == 0 ? nil : try reader.string()
        }
    }

    private static func writeStamp(_ stamp: TraitSet.Stamp, to writer: inout SnapshotWriter) {
        writer.signed(stamp.time)
        writer.signed(stamp.receivedAt)
        writer.signed(stamp.sequence)
    }

    private static func readStamp(_ reader: inout SnapshotReader) throws(SnapshotError) -> TraitSet.Stamp {
        TraitSet.Stamp(time: try reader.signed(), receivedAt: try reader.signed(), sequence: try reader.signed())
    }
}
