import StrataCore

extension TimelineSnapshot {
    /// How the pack resolves into profiles is written in three sections (``resolutionSection(_:of:)``),
    /// each after its length in bytes, so that they are read at the same time.
    static let resolutionSections = 3

    /// A section of a resolution: the profile ids (0); the profile of each pair of ids (1); the user
    /// trait table, the account ids, the account of each user and the account trait table (2). The last
    /// two start with the number of profiles.
    static func resolutionSection(_ part: Int, of resolved: ResolvedPack) -> SnapshotWriter {
        var section = SnapshotWriter()
        switch part {
        case 0:
            section.count(resolved.ids.count)
            for id in resolved.ids { section.string(id) }
        case 1:
            section.count(resolved.ids.count)
            for profile in resolved.profileOfPair { section.count(Int(profile)) }
        default:
            section.count(resolved.ids.count)
            write(resolved.userTraits, to: &section)
            section.count(resolved.accountIDs.count)
            for id in resolved.accountIDs { section.string(id) }
            for account in resolved.accountOfUser { section.count(Int(account) + 1) }
            write(resolved.accountTraits, to: &section)
        }
        return section
    }

    /// Reads the resolution of a pack, checking that it is one: ids in order, every index inside its
    /// table, each profile's events together and in time order, trait values in the vocabulary.
    static func readResolution(
        of pack: TimelinePack, _ reader: inout SnapshotReader
    ) throws(SnapshotError) -> ResolvedPack {
        let at = reader.offset
        let sections = [try reader.section(), try reader.section(), try reader.section()]
        let read = Parallel.each(count: 3) { part in
            var section = sections[part]
            return Result { () throws(SnapshotError) -> Resolution in
                let resolution: Resolution
                switch part {
                case 0: resolution = .ids(try readSortedIds(&section))
                case 1: resolution = try readProfiles(of: pack, &section)
                default: resolution = try readTraitsAndAccounts(of: pack, &section)
                }
                guard section.isAtEnd else {
                    throw SnapshotError("a section of the timelines file is too long", at: section.offset)
                }
                return resolution
            }
        }
        guard case .ids(let ids) = try read[0].get(),
            case .profiles(let profiles, let profileOfPair) = try read[1].get(),
            case .accounts(let traitProfiles, let userTraits, let accountIDs, let accountOfUser, let accountTraits) =
                try read[2].get()
        else { throw SnapshotError("the timelines file's resolution was not read", at: at) }
        guard profiles == ids.count, traitProfiles == ids.count else {
            throw SnapshotError("the sections of the timelines file count other numbers of profiles", at: at)
        }
        return ResolvedPack(
            pack: pack, ids: ids, profileOfPair: profileOfPair, userTraits: userTraits, accountIDs: accountIDs,
            accountOfUser: accountOfUser, accountTraits: accountTraits)
    }

    /// What a section of a resolution holds once read.
    private enum Resolution: Sendable {
        case ids([String])
        case profiles(Int, [Int32])
        case accounts(Int, TraitTable, [String], [Int32], TraitTable)
    }

    /// The second section: the profile of each pair, each profile's events together and in time order.
    private static func readProfiles(
        of pack: TimelinePack, _ reader: inout SnapshotReader
    ) throws(SnapshotError) -> Resolution {
        let profiles = try reader.count(limit: Int(Int32.max))
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
        return .profiles(profiles, profileOfPair)
    }

    /// The third section: the user traits, the account ids, the account of each user, the account traits.
    private static func readTraitsAndAccounts(
        of pack: TimelinePack, _ reader: inout SnapshotReader
    ) throws(SnapshotError) -> Resolution {
        // Each profile takes a byte at least below (its account), which bounds the count.
        let profiles = try reader.count()
        let userTraits = try readTraits(
            count: profiles * pack.layout.userTraitPaths.count, vocabulary: pack.vocabulary, &reader)
        let accountIDs = try readSortedIds(&reader)
        let accountOfUser = try (0..<profiles).map { _ throws(SnapshotError) in
            try readIndex(below: accountIDs.count + 1, &reader) - 1
        }
        let accountTraits = try readTraits(
            count: accountIDs.count * pack.layout.accountTraitPaths.count, vocabulary: pack.vocabulary, &reader)
        return .accounts(profiles, userTraits, accountIDs, accountOfUser, accountTraits)
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
