/// Writes the binary form of a ``LiveEngine/Snapshot``: unsigned LEB128 integers, zigzag for signed
/// ones, and strings as a length then UTF-8 bytes.
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

    mutating func raw(_ value: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
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
