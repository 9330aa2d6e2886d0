import StrataCore

/// Every message of the log up to a sequence, packed as a ``TimelineBuilder`` packs them and resolved
/// into profiles as it resolves them, in the binary form of the timelines file.
///
/// A snapshot is derived from the log and never the only copy of anything: a builder starts from it
/// (``TimelineBuilder/init(asOf:from:)``) and is given the messages after ``sequence`` from the log.
/// Given none, it builds its population from the stored resolution as it is. Given any, it resolves
/// identities again from every link the snapshot and the later messages hold, so a later alias joining
/// two profiles of the snapshot merges them as if the log had been read whole.
public struct TimelineSnapshot: Sendable {
    /// The packed messages, resolved into profiles.
    let resolved: ResolvedPack
    /// The last log sequence the snapshot covers.
    public let sequence: Int64
    /// How many messages of the log it covers.
    public let messages: Int
    /// How many ids the store had erased when the log was read: a store that has erased more since
    /// holds less than the snapshot.
    public let erasures: Int

    /// The events (track, page and screen calls) it holds.
    public var events: Int { resolved.pack.times.count }

    /// The format this Strata writes and reads.
    static let version: UInt64 = 5
    private static let magic = Array("STRATA-TIMELINES\n".utf8)
    /// Written as a raw word: read back on a machine of the other byte order, it differs.
    private static let byteOrderMark: UInt64 = 0x0102_0304_0506_0708

    init(resolved: ResolvedPack, sequence: Int64, messages: Int, erasures: Int) {
        self.resolved = resolved
        self.sequence = sequence
        self.messages = messages
        self.erasures = erasures
    }

    /// The binary form: a header, the layout, the packed messages, their resolution into profiles, then a
    /// checksum of everything before. The sections of the packed messages and of the resolution are
    /// encoded on the cores at once.
    public func encoded() -> [UInt8] {
        let resolved = resolved
        let sections = Parallel.each(count: Self.packSections + Self.resolutionSections) { part in
            part < Self.packSections
                ? Self.packSection(part, of: resolved.pack)
                : Self.resolutionSection(part - Self.packSections, of: resolved)
        }
        var writer = SnapshotWriter()
        writer.append(Self.magic)
        writer.unsigned(Self.version)
        writer.raw(Self.byteOrderMark)
        writer.signed(sequence)
        writer.count(messages)
        writer.count(erasures)
        Self.write(resolved.pack.layout, to: &writer)
        for section in sections[..<Self.packSections] { writer.section(section) }
        writer.signed(resolved.pack.latest)
        for section in sections[Self.packSections...] { writer.section(section) }
        return writer.sealed(checksum: Self.checksum)
    }

    /// Reads the binary form, failing (never trapping) on anything damaged, cut short or of another
    /// format. The checksum is worked out while the rest is read, and its mismatch is the failure given.
    public init(decoding bytes: [UInt8]) throws(SnapshotError) {
        let (magic, checksum) = (Self.magic, Self.checksum)
        let (name, kind) = ("the timelines file", "a timelines file")
        let (verified, read) = Parallel.alongside {
            Result { () throws(SnapshotError) in
                try SnapshotReader.verify(bytes, magic: magic, checksum: checksum, name: name, kind: kind)
            }
        } while: {
            Result { () throws(SnapshotError) in
                var reader = try SnapshotReader.opened(
                    bytes, magic: magic, version: Self.version, name: name, kind: kind)
                return try TimelineSnapshot(reading: &reader)
            }
        }
        try verified.get()
        self = try read.get()
    }

    /// Reads what follows the version.
    private init(reading reader: inout SnapshotReader) throws(SnapshotError) {
        guard try reader.raw() == Self.byteOrderMark else {
            throw SnapshotError("the timelines file was written on a machine of the other byte order")
        }
        sequence = try reader.signed()
        messages = try reader.count(limit: Int.max)
        erasures = try reader.count(limit: Int.max)
        let layout = try Self.readLayout(&reader)
        let pack = try Self.readPack(&reader, layout: layout)
        resolved = try Self.readResolution(of: pack, &reader)
        guard reader.isAtEnd else {
            throw SnapshotError("the timelines file has bytes past its end", at: reader.offset)
        }
    }

    /// The checksum of the bytes before it: a hash of each 8-byte word through a full finaliser.
    private static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        bytes.withUnsafeBufferPointer { Hash.key64($0) }
    }

    private static func write(_ layout: PackLayout, to writer: inout SnapshotWriter) {
        let properties = layout.needs.properties.sorted { $0.key.lexicographicallyPrecedes($1.key) }
        writer.count(properties.count)
        for (path, events) in properties {
            writePath(path, to: &writer)
            switch events {
            case .all:
                writer.count(0)
            case .named(let names):
                writer.count(names.count + 1)
                for name in names.sorted() { writer.string(name) }
            }
        }
        for paths in [layout.needs.traits.sorted { $0.lexicographicallyPrecedes($1) }, layout.userTraitPaths] {
            writer.count(paths.count)
            for path in paths { writePath(path, to: &writer) }
        }
        writer.count(layout.needs.accountTraits.count)
        for path in layout.needs.accountTraits.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            writePath(path, to: &writer)
        }
        writer.count(layout.needs.accountEvents ? 1 : 0)
    }

    private static func readLayout(_ reader: inout SnapshotReader) throws(SnapshotError) -> PackLayout {
        var needs = DataNeeds()
        for _ in 0..<(try reader.count()) {
            let path = try readPath(&reader)
            let names = try reader.count()
            needs.properties[path] =
                names == 0
                ? .all : .named(Set(try (1..<names).map { _ throws(SnapshotError) in try reader.string() }))
        }
        needs.traits = Set(try readPaths(&reader))
        let userTraitPaths = try readPaths(&reader)
        needs.accountTraits = Set(try readPaths(&reader))
        needs.accountEvents = try reader.count() == 1
        return PackLayout(needs: needs, extraTraits: userTraitPaths)
    }

    private static func writePath(_ path: [String], to writer: inout SnapshotWriter) {
        writer.count(path.count)
        for step in path { writer.string(step) }
    }

    private static func readPath(_ reader: inout SnapshotReader) throws(SnapshotError) -> [String] {
        try (0..<reader.count()).map { _ throws(SnapshotError) in try reader.string() }
    }

    private static func readPaths(_ reader: inout SnapshotReader) throws(SnapshotError) -> [[String]] {
        try (0..<reader.count()).map { _ throws(SnapshotError) in try readPath(&reader) }
    }
}
