import StrataCore

/// Writes the binary form of a ``LiveEngine/Snapshot`` and of a ``TimelineSnapshot``: unsigned LEB128
/// integers, zigzag for signed ones, strings as a length then UTF-8 bytes, and columns of fixed-width
/// integers as a count then their bytes in the machine's order (little-endian on every platform
/// Strata builds for; a file written elsewhere fails its byte-order mark).
struct SnapshotWriter {
    private(set) var bytes: [UInt8] = []
    /// Called after about every ``pauseEvery`` bytes written (checked at each string).
    var pause: (() -> Void)?
    private var nextPause = SnapshotWriter.pauseEvery
    static let pauseEvery = 256 * 1024

    mutating func unsigned(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    mutating func count(_ value: Int) { unsigned(UInt64(value)) }

    mutating func append(_ value: [UInt8]) { bytes.append(contentsOf: value) }

    mutating func signed(_ value: Int64) {
        unsigned(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    mutating func string(_ value: String) {
        if bytes.count >= nextPause, let pause {
            pause()
            nextPause = bytes.count + Self.pauseEvery
        }
        count(value.utf8.count)
        bytes.append(contentsOf: value.utf8)
    }

    /// What another writer wrote, after its length in bytes (read by ``SnapshotReader/section()``).
    mutating func section(_ other: SnapshotWriter) {
        count(other.bytes.count)
        bytes.append(contentsOf: other.bytes)
    }

    mutating func raw(_ value: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    /// The bytes written, then a checksum of them (8 bytes, lowest first).
    func sealed(checksum: (ArraySlice<UInt8>) -> UInt64) -> [UInt8] {
        var sealed = bytes
        let sum = checksum(bytes[...])
        for shift in stride(from: 0, to: 64, by: 8) { sealed.append(UInt8(truncatingIfNeeded: sum >> UInt64(shift))) }
        return sealed
    }

    /// A column of fixed-width integers: its count, then its bytes as they are in memory.
    mutating func column<T: FixedWidthInteger>(_ values: [T]) {
        count(values.count)
        values.withUnsafeBytes { bytes.append(contentsOf: $0) }
    }

    /// A JSON value: a tag byte (0 null, 1 false, 2 true, 3 number, 4 string, 5 array, 6 object), then
    /// its content.
    mutating func json(_ value: JSONValue) {
        switch value {
        case .null: bytes.append(0)
        case .bool(let b): bytes.append(b ? 2 : 1)
        case .number(let n):
            bytes.append(3)
            raw(n.bitPattern)
        case .string(let s):
            bytes.append(4)
            string(s)
        case .array(let items):
            bytes.append(5)
            count(items.count)
            for item in items { json(item) }
        case .object(let members):
            bytes.append(6)
            count(members.count)
            for (key, member) in members.sorted(by: { $0.key < $1.key }) {
                string(key)
                json(member)
            }
        }
    }
}

/// Reads what ``SnapshotWriter`` wrote, failing with the byte offset of anything out of place rather
/// than trapping.
struct SnapshotReader {
    private let bytes: [UInt8]
    private let end: Int
    private(set) var offset: Int

    /// A reader of some of the bytes (all by default), sharing their storage.
    init(_ bytes: [UInt8], range: Range<Int>? = nil) {
        self.bytes = bytes
        offset = range?.lowerBound ?? 0
        end = range?.upperBound ?? bytes.count
    }

    var isAtEnd: Bool { offset == end }

    /// A reader of sealed bytes (``SnapshotWriter/sealed(checksum:)``) that start with `magic` then a
    /// format version, placed after the version; fails, naming the file as `name` (a `kind` of file),
    /// unless the bytes start so, their checksum matches, and the version is `version`.
    static func unsealed(
        _ bytes: [UInt8], magic: [UInt8], version: UInt64, checksum: (ArraySlice<UInt8>) -> UInt64, name: String,
        kind: String
    ) throws(SnapshotError) -> SnapshotReader {
        try verify(bytes, magic: magic, checksum: checksum, name: name, kind: kind)
        return try opened(bytes, magic: magic, version: version, name: name, kind: kind)
    }

    /// Fails unless sealed bytes start with `magic` and their checksum matches.
    static func verify(
        _ bytes: [UInt8], magic: [UInt8], checksum: (ArraySlice<UInt8>) -> UInt64, name: String, kind: String
    ) throws(SnapshotError) {
        guard bytes.count >= magic.count + 8, bytes.starts(with: magic) else { throw SnapshotError("not \(kind)") }
        let end = bytes.count - 8
        var trailer = SnapshotReader(bytes, range: end..<bytes.count)
        guard try trailer.raw() == checksum(bytes[..<end]) else {
            throw SnapshotError("\(name) is damaged: its checksum does not match")
        }
    }

    /// A reader of sealed bytes placed after their version, their checksum not verified (see
    /// ``verify(_:magic:checksum:name:kind:)``); fails unless they start with `magic` then `version`.
    static func opened(
        _ bytes: [UInt8], magic: [UInt8], version: UInt64, name: String, kind: String
    ) throws(SnapshotError) -> SnapshotReader {
        guard bytes.count >= magic.count + 8, bytes.starts(with: magic) else { throw SnapshotError("not \(kind)") }
        var reader = SnapshotReader(bytes, range: 0..<bytes.count - 8)
        try reader.skip(magic.count)
        let found = try reader.unsigned()
        guard found == version else { throw SnapshotError("\(name) has format \(found), this Strata reads \(version)") }
        return reader
    }

    mutating func unsigned() throws(SnapshotError) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard offset < end else { throw SnapshotError("the snapshot ends inside a number", at: offset) }
            guard shift < 64 else { throw SnapshotError("a number is too long", at: offset) }
            let byte = bytes[offset]
            offset += 1
            value |= UInt64(byte & 0x7f) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
    }

    /// A count, at most `limit` (what the remaining bytes could hold), so that a damaged count cannot
    /// ask for an absurd allocation.
    mutating func count(limit: Int? = nil) throws(SnapshotError) -> Int {
        let start = offset
        let value = try unsigned()
        guard value <= UInt64(limit ?? (end - offset)) else {
            throw SnapshotError("a count of \(value) is more than the snapshot can hold", at: start)
        }
        return Int(value)
    }

    /// The bytes not read yet, as an array of their own.
    func rest() -> [UInt8] { Array(bytes[offset..<end]) }

    /// A reader of a section written by ``SnapshotWriter/section(_:)``; this reader goes on after it.
    mutating func section() throws(SnapshotError) -> SnapshotReader {
        let length = try count()
        defer { offset += length }
        return SnapshotReader(bytes, range: offset..<offset + length)
    }

    mutating func skip(_ length: Int) throws(SnapshotError) {
        guard end - offset >= length else { throw SnapshotError("the snapshot is cut short", at: offset) }
        offset += length
    }

    mutating func signed() throws(SnapshotError) -> Int64 {
        let value = try unsigned()
        return Int64(bitPattern: value >> 1) ^ -Int64(bitPattern: value & 1)
    }

    mutating func string() throws(SnapshotError) -> String {
        let length = try count()
        defer { offset += length }
        return String(decoding: bytes[offset..<offset + length], as: UTF8.self)
    }

    mutating func byte() throws(SnapshotError) -> UInt8 {
        guard offset < end else { throw SnapshotError("the snapshot is cut short", at: offset) }
        defer { offset += 1 }
        return bytes[offset]
    }

    /// A column of fixed-width integers written by ``SnapshotWriter/column(_:)``.
    mutating func column<T: FixedWidthInteger>(of type: T.Type = T.self) throws(SnapshotError) -> [T] {
        let size = MemoryLayout<T>.size
        let count = try count(limit: (end - offset) / size)
        let start = offset
        offset += count * size
        return bytes.withUnsafeBytes { source in
            [T](unsafeUninitializedCapacity: count) { buffer, initialized in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(
                    from: UnsafeRawBufferPointer(rebasing: source[start..<start + count * size]))
                initialized = count
            }
        }
    }

    /// A JSON value written by ``SnapshotWriter/json(_:)``, nested at most `depth` deep.
    mutating func json(depth: Int = 64) throws(SnapshotError) -> JSONValue {
        let at = offset
        guard depth > 0 else { throw SnapshotError("a value is nested too deep", at: at) }
        switch try byte() {
        case 0: return .null
        case 1: return .bool(false)
        case 2: return .bool(true)
        case 3: return .number(Double(bitPattern: try raw()))
        case 4: return .string(try string())
        case 5: return .array(try (0..<count()).map { _ throws(SnapshotError) in try json(depth: depth - 1) })
        case 6:
            var members: [String: JSONValue] = [:]
            for _ in 0..<(try count()) {
                let key = try string()
                members[key] = try json(depth: depth - 1)
            }
            return .object(members)
        case let tag: throw SnapshotError("a value has the unknown tag \(tag)", at: at)
        }
    }

    /// Goes past a JSON value written by ``SnapshotWriter/json(_:)``, checking it as ``json(depth:)`` does.
    mutating func skipJSON(depth: Int = 64) throws(SnapshotError) {
        let at = offset
        guard depth > 0 else { throw SnapshotError("a value is nested too deep", at: at) }
        switch try byte() {
        case 0, 1, 2: return
        case 3: try skip(8)
        case 4: try skip(try count())
        case 5: for _ in 0..<(try count()) { try skipJSON(depth: depth - 1) }
        case 6:
            for _ in 0..<(try count()) {
                try skip(try count())
                try skipJSON(depth: depth - 1)
            }
        case let tag: throw SnapshotError("a value has the unknown tag \(tag)", at: at)
        }
    }

    mutating func raw() throws(SnapshotError) -> UInt64 {
        guard end - offset >= 8 else { throw SnapshotError("the snapshot ends inside a word", at: offset) }
        var value: UInt64 = 0
        for index in 0..<8 { value |= UInt64(bytes[offset + index]) << UInt64(8 * index) }
        offset += 8
        return value
    }
}

/// A snapshot that cannot be read: damaged, cut short, or written by another format.
public struct SnapshotError: Error, Sendable, CustomStringConvertible {
    public var description: String

    init(_ message: String, at offset: Int? = nil) {
        description = offset.map { "\(message) (byte \($0))" } ?? message
    }
}
