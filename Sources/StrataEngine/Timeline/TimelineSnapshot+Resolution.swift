import StrataCore

extension TimelineSnapshot {
    /// Writes how the pack resolves into profiles: the profile ids, the profile of each pair of ids, the
    /// user trait table, the account ids, the account of each user and the account trait table.
    static func write(_ resolved: ResolvedPack, to writer: inout SnapshotWriter) {
        writer.count(resolved.ids.count)
        for id in resolved.ids { writer.string(id) }
        for profile in resolved.profileOfPair { writer.count(Int(profile)) }
        write(resolved.userTraits, to: &writer)
        writer.count(resolved.accountIDs.count)
        for id in resolved.accountIDs { writer.string(id) }
        for account in resolved.accountOfUser { writer.count(Int(account) + 1) }
        write(resolved.accountTraits, to: &writer)
    }

    /// Reads the resolution of a pack, checking that it is one: ids in order, every index inside its
    /// table, each profile's events together and in time order, trait values in the vocabulary.
    static func readResolution(
        of pack: TimelinePack, _ reader: inout SnapshotReader
    ) throws(SnapshotError) -> ResolvedPack {
        let ids = try readSortedIds(&reader)
        let profiles = ids.count
        let profileOfPair = try pack.pairs.indices.map { _ throws(SnapshotError) in
            try readIndex(below: profiles, &reader)
        }
        var previous: (profile: Int32, time: Int64) = (-1, .min)
        for (e, pair) in pack.eventPairs.enumerated() {
            let current = (profileOfPair[Int(pair)], pack.times[e])
            guard current.0 > previous.profile || (current.0 == previous.profile && current.1 >= previous.time) else {
                throw SnapshotError("event \(e) of the timelines file is out of order", at: reader.offset)
            }
            previous = current
        }
        let userTraits = try readTraits(
            count: profiles * pack.layout.userTraitPaths.count, vocabulary: pack.vocabulary, &reader)
        let accountIDs = try readSortedIds(&reader)
        let accountOfUser = try (0..<profiles).map { _ throws(SnapshotError) in
            try readIndex(below: accountIDs.count + 1, &reader) - 1
        }
        let accountTraits = try readTraits(
            count: accountIDs.count * pack.layout.accountTraitPaths.count, vocabulary: pack.vocabulary, &reader)
        return ResolvedPack(
            pack: pack, ids: ids, profileOfPair: profileOfPair, userTraits: userTraits, accountIDs: accountIDs,
            accountOfUser: accountOfUser, accountTraits: accountTraits)
    }

    /// A trait table: the tags as a column, then the payload of each present value (numbers as their
    /// 8 raw bytes, the others as a number).
    private static func write(_ table: TraitTable, to writer: inout SnapshotWriter) {
        writer.column(table.tags)
        for (tag, value) in zip(table.tags, table.values) {
            switch tag {
            case StoredValue.absent: continue
            case StoredValue.number: writer.raw(value)
            default: writer.unsigned(value)
            }
        }
    }

    private static func readTraits(
        count: Int, vocabulary: Vocabulary, _ reader: inout SnapshotReader
    ) throws(SnapshotError) -> TraitTable {
        let at = reader.offset
        let tags: [UInt8] = try reader.column()
        guard tags.count == count else {
            throw SnapshotError("a trait table of the timelines file has \(tags.count) values, not \(count)", at: at)
        }
        let (strings, values) = (UInt64(vocabulary.strings.count), UInt64(vocabulary.jsonValues.count))
        var payloads = [UInt64](repeating: 0, count: count)
        for (i, tag) in tags.enumerated() {
            let valid: Bool
            switch tag {
            case StoredValue.absent: continue
            case StoredValue.number:
                payloads[i] = try reader.raw()
                valid = true
            case StoredValue.string:
                payloads[i] = try reader.unsigned()
                valid = payloads[i] < strings
            case StoredValue.json:
                payloads[i] = try reader.unsigned()
                valid = payloads[i] < values
            case StoredValue.bool:
                payloads[i] = try reader.unsigned()
                valid = payloads[i] <= 1
            default:
                valid = false
            }
            guard valid else { throw SnapshotError("trait value \(i) of the timelines file is not valid", at: at) }
        }
        return TraitTable(tags: tags, values: payloads)
    }

    /// Ids strictly in order of their bytes, as profiles and accounts are kept.
    private static func readSortedIds(_ reader: inout SnapshotReader) throws(SnapshotError) -> [String] {
        let at = reader.offset
        let ids = try (0..<reader.count()).map { _ throws(SnapshotError) in try reader.string() }
        for i in ids.indices.dropFirst() where Value.compareBytes(ids[i - 1], ids[i]) >= 0 {
            throw SnapshotError("the ids of the timelines file are not in order", at: at)
        }
        return ids
    }

    private static func readIndex(below limit: Int, _ reader: inout SnapshotReader) throws(SnapshotError) -> Int32 {
        let at = reader.offset
        let value = try reader.unsigned()
        guard value < UInt64(limit) else {
            throw SnapshotError("an index of the timelines file points outside its table", at: at)
        }
        return Int32(value)
    }
}
