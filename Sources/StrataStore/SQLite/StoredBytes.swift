import GRDB

/// Unsigned integers in 7-bit groups, lowest first, the high bit set on every byte but the last: how
/// the message log stores lengths, event name ids and the gaps between sequences.
enum Varint {
    /// Appends a value.
    static func append(_ value: UInt64, to bytes: inout [UInt8]) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }
}

/// Reads the parts of stored bytes in order, checking each against the end, and names what it reads
/// (a block of messages or an epoch of the index) when the bytes do not hold what they should.
struct StoredBytesReader {
    /// What the bytes are.
    enum Source {
        /// A block of messages, by the sequence of its first message.
        case block(Int64)
        /// An epoch of the profile index, by the sequence it starts at.
        case epoch(Int64)
    }

    private let bytes: UnsafeRawBufferPointer
    private var position: Int
    private let end: Int
    private let source: Source

    /// A reader of `bytes[start ..< end]`; the caller has checked that the range lies within `bytes`.
    init(_ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int, source: Source) {
        self.bytes = bytes
        self.position = start
        self.end = end
        self.source = source
    }

    /// Whether every byte has been read.
    var isAtEnd: Bool { position >= end }

    /// The error for bytes that do not hold what they should.
    var damaged: DatabaseError {
        switch source {
        case .block(let first): MessageBlock.damaged(first)
        case .epoch(let first): DatabaseError(message: "the index epoch at sequence \(first) is damaged")
        }
    }

    mutating func byte() throws -> UInt8 {
        guard position < end else { throw damaged }
        defer { position += 1 }
        return bytes[position]
    }

    /// An 8-byte little-endian integer.
    mutating func fixed() throws -> Int64 {
        guard end - position >= 8 else { throw damaged }
        defer { position += 8 }
        return Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: Int64.self))
    }

    /// A ``Varint``.
    mutating func varint() throws -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = try self.byte()
            guard shift < 64 else { throw damaged }
            value |= UInt64(byte & 0x7f) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
    }

    /// A ``Varint`` length and the range of that many bytes after it.
    mutating func slice() throws -> Range<Int> {
        let length = try varint()
        guard length <= UInt64(end - position) else { throw damaged }
        defer { position += Int(length) }
        return position..<position + Int(length)
    }
}
