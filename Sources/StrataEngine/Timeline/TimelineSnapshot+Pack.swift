import StrataCore

extension TimelineSnapshot {
    /// The pack is written in four sections (``packSection(_:of:)``), each after its length in bytes,
    /// so that they are read at the same time; then the latest time packed.
    static let packSections = 4

    /// A section of a pack: its vocabulary (0); its pairs of ids with their links and aliases (1); its
    /// identify and group records (2); its event columns (3).
    static func packSection(_ part: Int, of pack: TimelinePack) -> SnapshotWriter {
        var section = SnapshotWriter()
        switch part {
        case 0:
            let vocabulary = pack.vocabulary
            section.count(vocabulary.eventNames.count)
            for name in vocabulary.eventNames { section.string(name) }
            section.column(vocabulary.strings.ends)
            section.column(vocabulary.strings.utf8)
            section.count(vocabulary.jsonValues.count)
            for value in vocabulary.jsonValues { section.json(value) }
        case 1:
            section.count(pack.pairs.count)
            for pair in pack.pairs { writeIds([pair.userId, pair.anonymousId], to: &section) }
            section.column(pack.pairFirst)
            for link in pack.pairLinks {
                section.count(link == nil ? 0 : 1)
                if let link { writeStamp(link, to: &section) }
            }
            section.count(pack.aliases.count)
            for (key, stamp) in pack.aliases {
                writeIds([key.userId, key.anonymousId, key.previousId], to: &section)
                writeStamp(stamp, to: &section)
            }
        case 2:
            section.count(pack.pairs.count)
            var records = SnapshotWriter()
            let (identifies, groups) = pack.records()
            for kind in [identifies, groups] {
                records.count(kind.count)
                for record in kind {
                    records.count(Int(record.pair))
                    writeStamp(record.stamp, to: &records)
                    records.count(record.traits.count)
                    for (key, value) in record.traits.sorted(by: { $0.key < $1.key }) {
                        records.string(key)
                        records.json(value)
                    }
                    writeIds([record.groupId], to: &records)
                }
            }
            section.section(records)
        default:
            // Times in population order grow within a profile: each as the difference from the one before.
            section.count(pack.times.count)
            var previous: Int64 = 0
            for time in pack.times {
                section.signed(time &- previous)
                previous = time
            }
            section.column(pack.eventPairs)
            // Names and property counts are small: a byte each, mostly, rather than four.
            for name in pack.names { section.unsigned(UInt64(name)) }
            for e in pack.times.indices {
                section.unsigned(UInt64(pack.propertyStarts[e + 1] - pack.propertyStarts[e]))
            }
            section.column(pack.propertySlots)
            section.column(pack.propertyTags)
            section.column(pack.propertyValues)
        }
        return section
    }

    /// Reads a pack of a layout, its sections on a thread each as far as cores allow, checking that
    /// every index it holds points inside its tables.
    static func readPack(_ reader: inout SnapshotReader, layout: PackLayout) throws(SnapshotError) -> TimelinePack {
        let sections = [try reader.section(), try reader.section(), try reader.section(), try reader.section()]
        let read = Parallel.each(count: 4) { part in
            var section = sections[part]
            switch part {
            case 0:
                return Section.vocabulary(Result { () throws(SnapshotError) in try readVocabulary(&section, layout) })
            case 1:
                return Section.ids(Result { () throws(SnapshotError) in try readIds(&section, layout: layout) })
            case 2:
                return Section.records(Result { () throws(SnapshotError) in try readEncodedRecords(&section) })
            default: return Section.events(Result { () throws(SnapshotError) in try readEvents(&section) })
            }
        }
        guard case .vocabulary(let vocabulary) = read[0], case .ids(let ids) = read[1],
            case .records(let records) = read[2], case .events(let events) = read[3]
        else { throw SnapshotError("the timelines file's sections were not read") }
        var pack = try ids.get()
        pack.encodedRecords = try records.get()
        guard pack.encodedRecords?.pairs == pack.pairs.count else {
            throw SnapshotError("the records of the timelines file name another number of pairs", at: reader.offset)
        }
        pack.vocabulary = try vocabulary.get()
        (
            pack.times, pack.eventPairs, pack.names, pack.propertyStarts, pack.propertySlots, pack.propertyTags,
            pack.propertyValues
        ) = try events.get()
        pack.latest = try reader.signed()
        try check(pack, at: reader.offset)
        pack.slotsForName = pack.vocabulary.eventNames.map { layout.slots(on: $0) }
        return pack
    }

    /// What a section of a pack holds once read.
    private enum Section: Sendable {
        case vocabulary(Result<Vocabulary, SnapshotError>)
        case ids(Result<TimelinePack, SnapshotError>)
        case records(Result<EncodedRecords, SnapshotError>)
        case events(
            Result<([Int64], [Int32], [UInt32], [UInt32], [UInt16], [UInt8], [UInt64]), SnapshotError>)
    }

    /// The first section: the vocabulary.
    private static func readVocabulary(
        _ reader: inout SnapshotReader, _ layout: PackLayout
    ) throws(SnapshotError) -> Vocabulary {
        let eventNames = try (0..<reader.count()).map { _ throws(SnapshotError) in try reader.string() }
        let at = reader.offset
        let ends: [Int] = try reader.column()
        guard let strings = StringTable(utf8: try reader.column(), ends: ends) else {
            throw SnapshotError("the timelines file's strings are damaged or one is there twice", at: at)
        }
        let jsonValues = try (0..<reader.count()).map { _ throws(SnapshotError) in try reader.json() }
        let vocabulary = Vocabulary(
            eventNames: eventNames, propertyPaths: layout.template.propertyPaths, strings: strings,
            jsonValues: jsonValues)
        guard vocabulary.eventNames.count == eventNames.count, vocabulary.jsonValues.count == jsonValues.count
        else {
            throw SnapshotError("the timelines file holds an event name or a value twice", at: reader.offset)
        }
        guard reader.isAtEnd else {
            throw SnapshotError("a section of the timelines file is too long", at: reader.offset)
        }
        return vocabulary
    }

    /// The second section: a pack holding the pairs of ids, links and aliases (and no vocabulary).
    private static func readIds(
        _ reader: inout SnapshotReader, layout: PackLayout
    ) throws(SnapshotError) -> TimelinePack {
        var pack = TimelinePack(layout: layout)
        let pairCount = try reader.count()
        pack.pairs.reserveCapacity(pairCount)
        for _ in 0..<pairCount {
            let present = try reader.count()
            pack.pairs.append(
                TimelinePack.Pair(
                    userId: try readId(0, of: present, &reader), anonymousId: try readId(1, of: present, &reader)))
        }
        pack.pairFirst = try reader.column()
        pack.pairLinks = try (0..<pairCount).map { _ throws(SnapshotError) in
            try reader.count() == 0 ? nil : try readStamp(&reader)
        }
        for _ in 0..<(try reader.count()) {
            let present = try reader.count()
            let key = TimelinePack.AliasKey(
                userId: try readId(0, of: present, &reader), anonymousId: try readId(1, of: present, &reader),
                previousId: try readId(2, of: present, &reader))
            pack.aliases[key] = try readStamp(&reader)
        }
        guard reader.isAtEnd else {
            throw SnapshotError("a section of the timelines file is too long", at: reader.offset)
        }
        return pack
    }

    /// The third section: the number of pairs of ids, then the identify and group records, checked but
    /// left encoded.
    private static func readEncodedRecords(_ reader: inout SnapshotReader) throws(SnapshotError) -> EncodedRecords {
        let pairCount = try reader.count(limit: Int(Int32.max))
        var records = try reader.section()
        let encoded = EncodedRecords(bytes: records.rest(), pairs: pairCount)
        _ = try readRecords(&records, pairs: pairCount, keepingTraits: false)
        guard reader.isAtEnd else {
            throw SnapshotError("a section of the timelines file is too long", at: reader.offset)
        }
        return encoded
    }

    /// The identify and group records: every index checked, and their traits decoded when
    /// `keepingTraits` (else only checked, and none returned).
    static func readRecords(
        _ reader: inout SnapshotReader, pairs pairCount: Int, keepingTraits: Bool
    ) throws(SnapshotError) -> (identifies: [TimelinePack.Stamped], groups: [TimelinePack.Stamped]) {
        var records: [[TimelinePack.Stamped]] = [[], []]
        for kind in records.indices {
            let count = try reader.count()
            if keepingTraits { records[kind].reserveCapacity(count) }
            for _ in 0..<count {
                let pair = try reader.unsigned()
                guard pair < UInt64(pairCount) else {
                    throw SnapshotError("a record of the timelines file names no pair of ids", at: reader.offset)
                }
                let stamp = try readStamp(&reader)
                var traits: [String: JSONValue] = [:]
                for _ in 0..<(try reader.count()) {
                    if keepingTraits {
                        let key = try reader.string()
                        traits[key] = try reader.json()
                    } else {
                        try reader.skip(try reader.count())
                        try reader.skipJSON()
                    }
                }
                let groupId = try readId(0, of: try reader.count(), &reader)
                if keepingTraits {
                    records[kind].append(
                        TimelinePack.Stamped(pair: Int32(pair), stamp: stamp, traits: traits, groupId: groupId))
                }
            }
        }
        guard reader.isAtEnd else {
            throw SnapshotError("the records of the timelines file run past their section", at: reader.offset)
        }
        return (records[0], records[1])
    }

    /// The third section: the event columns.
    private static func readEvents(
        _ reader: inout SnapshotReader
    ) throws(SnapshotError) -> ([Int64], [Int32], [UInt32], [UInt32], [UInt16], [UInt8], [UInt64]) {
        let events = try reader.count()
        var times: [Int64] = []
        times.reserveCapacity(events)
        var previous: Int64 = 0
        for _ in 0..<events {
            previous = previous &+ (try reader.signed())
            times.append(previous)
        }
        let eventPairs: [Int32] = try reader.column()
        var names: [UInt32] = []
        names.reserveCapacity(events)
        for _ in 0..<events { names.append(try readUInt32(&reader)) }
        var propertyStarts: [UInt32] = [0]
        propertyStarts.reserveCapacity(events + 1)
        var entries: UInt32 = 0
        for _ in 0..<events {
            let (sum, overflow) = entries.addingReportingOverflow(try readUInt32(&reader))
            guard !overflow else {
                throw SnapshotError("the timelines file has too many properties", at: reader.offset)
            }
            entries = sum
            propertyStarts.append(entries)
        }
        let columns = (
            times, eventPairs, names, propertyStarts, try reader.column(of: UInt16.self),
            try reader.column(of: UInt8.self),
            try reader.column(of: UInt64.self)
        )
        guard reader.isAtEnd else {
            throw SnapshotError("a section of the timelines file is too long", at: reader.offset)
        }
        return columns
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

    /// The id at `index` of those ``writeIds(_:to:)`` wrote, given the bits of those present.
    private static func readId(
        _ index: Int, of present: Int, _ reader: inout SnapshotReader
    ) throws(SnapshotError) -> String? {
        present & (1 << index) == 0 ? nil : try reader.string()
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

/// The identify and group records of a timelines file as it holds them: checked when the file was read
/// (``TimelineSnapshot/readRecords(_:pairs:keepingTraits:)``), and decoded only when a pack read from
/// it is given a message or resolved again.
struct EncodedRecords: Sendable {
    /// The records' section.
    let bytes: [UInt8]
    /// How many pairs of ids the pack has.
    let pairs: Int

    /// The records, decoded.
    func decoded() -> (identifies: [TimelinePack.Stamped], groups: [TimelinePack.Stamped]) {
        var reader = SnapshotReader(bytes)
        do {
            return try TimelineSnapshot.readRecords(&reader, pairs: pairs, keepingTraits: true)
        } catch {
            preconditionFailure("the records of a timelines file no longer read as when they were checked: \(error)")
        }
    }
}
