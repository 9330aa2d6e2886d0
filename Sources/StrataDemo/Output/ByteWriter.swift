import StrataCore

/// A growable byte buffer for the generator's hand-written JSON: raw memory, no per-byte bookkeeping.
///
/// Non-copyable so exactly one owner frees the memory; every write checks capacity (one predictable
/// branch) and grows geometrically.
struct ByteWriter: ~Copyable {
    private var base: UnsafeMutablePointer<UInt8>
    private(set) var count: Int
    private var capacity: Int

    /// An empty buffer with room for `capacity` bytes before it first grows.
    init(capacity: Int) {
        self.capacity = max(capacity, 4096)
        self.base = UnsafeMutablePointer<UInt8>.allocate(capacity: self.capacity)
        self.count = 0
    }

    deinit {
        base.deallocate()
    }

    /// Makes room for `extra` more bytes.
    @inline(__always)
    mutating func reserve(_ extra: Int) {
        if count + extra > capacity { grow(to: count + extra) }
    }

    private mutating func grow(to needed: Int) {
        var newCapacity = capacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBase.update(from: base, count: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    /// Appends one byte.
    @inline(__always)
    mutating func write(byte: UInt8) {
        reserve(1)
        base[count] = byte
        count += 1
    }

    /// Appends a literal's UTF-8 bytes.
    @inline(__always)
    mutating func write(_ text: StaticString) {
        if text.hasPointerRepresentation {
            write(text.utf8Start, count: text.utf8CodeUnitCount)
        } else {
            for byte in String(text.unicodeScalar).utf8 { write(byte: byte) }
        }
    }

    /// Appends `length` bytes from `source`.
    @inline(__always)
    mutating func write(_ source: UnsafePointer<UInt8>, count length: Int) {
        reserve(length)
        (base + count).update(from: source, count: length)
        count += length
    }

    /// Appends the bytes of an array.
    @inline(__always)
    mutating func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { buffer in
            if let source = buffer.baseAddress { write(source, count: buffer.count) }
        }
    }

    /// Appends a literal's bytes with ASCII capitals made small.
    mutating func write(lowercased text: StaticString) {
        reserve(text.utf8CodeUnitCount)
        let start = count
        write(text)
        for index in start..<count where base[index] >= 0x41 && base[index] <= 0x5A {
            base[index] += 0x20
        }
    }

    /// Appends a decimal integer.
    @inline(__always)
    mutating func write(integer value: Int64) {
        reserve(21)
        var magnitude = value.magnitude
        if value < 0 {
            base[count] = 0x2D
            count += 1
        }
        var digits = 1
        var probe = magnitude
        while probe >= 10 {
            probe /= 10
            digits += 1
        }
        var position = count + digits - 1
        repeat {
            base[position] = UInt8(truncatingIfNeeded: 0x30 &+ magnitude % 10)
            magnitude /= 10
            position -= 1
        } while magnitude > 0
        count += digits
    }

    /// Appends a decimal integer.
    @inline(__always)
    mutating func write(integer value: Int) {
        write(integer: Int64(value))
    }

    /// Appends `hundredths / 100` as a JSON number without trailing zeros (`1999` -> `19.99`, `250` -> `2.5`).
    mutating func write(hundredths value: Int64) {
        if value < 0 { write(byte: 0x2D) }
        let magnitude = Int64(value.magnitude)
        write(integer: magnitude / 100)
        let fraction = magnitude % 100
        if fraction != 0 {
            write(byte: 0x2E)
            write(byte: UInt8(truncatingIfNeeded: 0x30 + fraction / 10))
            if fraction % 10 != 0 { write(byte: UInt8(truncatingIfNeeded: 0x30 + fraction % 10)) }
        }
    }

    /// Appends an instant as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    @inline(__always)
    mutating func write(timestamp milliseconds: Int64) {
        reserve(Instant.formattedByteCount)
        Instant.write(milliseconds, to: UnsafeMutableRawPointer(base + count))
        count += Instant.formattedByteCount
    }

    /// Appends lowercase hexadecimal digits of the low `digits` nibbles of `value`.
    mutating func write(hex value: UInt64, digits: Int) {
        reserve(digits)
        var shift = (digits - 1) * 4
        for _ in 0..<digits {
            let nibble = UInt8(truncatingIfNeeded: (value >> UInt64(shift)) & 0xF)
            base[count] = nibble < 10 ? 0x30 + nibble : 0x57 + nibble
            count += 1
            shift -= 4
        }
    }

    /// Forgets the contents, keeping the memory.
    mutating func removeAll() {
        count = 0
    }

    /// A copy of the contents.
    func bytes() -> [UInt8] {
        [UInt8](UnsafeBufferPointer(start: base, count: count))
    }
}
