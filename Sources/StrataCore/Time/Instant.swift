/// Instants are milliseconds since the Unix epoch, in UTC; this namespace parses and prints them.
public enum Instant {
    /// Milliseconds in a second, minute, hour and day.
    public static let second: Int64 = 1000
    public static let minute: Int64 = 60_000
    public static let hour: Int64 = 3_600_000
    public static let day: Int64 = 86_400_000

    /// Parses an ISO 8601 instant: `2026-06-30T12:00:00Z`, with optional fractional seconds
    /// (truncated to milliseconds), and a `Z`, `+hh:mm`, `+hhmm` or `+hh` offset (none means UTC).
    /// A space may stand for `T`. A bare date `2026-06-30` is midnight UTC.
    public static func parse(_ text: String) -> Int64? {
        var text = text
        return text.withUTF8 { parse(bytes: $0) }
    }

    /// Parses ISO 8601 from UTF-8 bytes; see ``parse(_:)``.
    public static func parse(bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        var reader = Reader(bytes: bytes)
        guard let year = reader.digits(4), reader.expect(UInt8(ascii: "-")),
            let month = reader.digits(2), reader.expect(UInt8(ascii: "-")),
            let day = reader.digits(2)
        else { return nil }
        guard (1...12).contains(month), day >= 1, day <= CivilDate.daysInMonth(year: year, month: month) else {
            return nil
        }
        let days = CivilDate(year: year, month: month, day: day).daysSinceEpoch
        if reader.atEnd { return Int64(days) * Instant.day }
        guard reader.expect(UInt8(ascii: "T")) || reader.expect(UInt8(ascii: "t")) || reader.expect(UInt8(ascii: " "))
        else { return nil }
        guard let hour = reader.digits(2), reader.expect(UInt8(ascii: ":")), let minute = reader.digits(2) else {
            return nil
        }
        var second = 0
        var millis = 0
        if reader.expect(UInt8(ascii: ":")) {
            guard let s = reader.digits(2) else { return nil }
            second = s
            if reader.expect(UInt8(ascii: ".")) || reader.expect(UInt8(ascii: ",")) {
                var count = 0
                while let digit = reader.digit() {
                    if count < 3 { millis = millis * 10 + digit }
                    count += 1
                }
                guard count > 0 else { return nil }
                for _ in count..<max(count, 3) { millis *= 10 }
            }
        }
        guard hour <= 23, minute <= 59, second <= 60 else { return nil }
        var offsetMinutes = 0
        if reader.expect(UInt8(ascii: "Z")) || reader.expect(UInt8(ascii: "z")) {
            offsetMinutes = 0
        } else if let sign = reader.sign() {
            guard let oh = reader.digits(2), oh <= 23 else { return nil }
            var om = 0
            if reader.expect(UInt8(ascii: ":")) {
                guard let m = reader.digits(2) else { return nil }
                om = m
            } else if let m = reader.digits(2) {
                om = m
            }
            guard om <= 59 else { return nil }
            offsetMinutes = sign * (oh * 60 + om)
        }
        guard reader.atEnd else { return nil }
        let seconds = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetMinutes * 60)
        return seconds * 1000 + Int64(millis)
    }

    /// The length in bytes of a formatted instant, `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    public static let formattedByteCount = 24

    /// Formats an instant as `2026-06-30T12:00:00.000Z`.
    public static func format(_ ms: Int64) -> String {
        String(unsafeUninitializedCapacity: formattedByteCount) { buffer in
            guard let base = buffer.baseAddress else { return 0 }
            write(ms, to: UnsafeMutableRawPointer(base))
            return formattedByteCount
        }
    }

    /// Appends `YYYY-MM-DDTHH:MM:SS.mmmZ` for an instant.
    public static func write(_ ms: Int64, into out: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: formattedByteCount) { buffer in
            guard let base = buffer.baseAddress else { return }
            write(ms, to: UnsafeMutableRawPointer(base))
            out.append(contentsOf: UnsafeBufferPointer(start: base, count: formattedByteCount))
        }
    }

    /// Writes the ``formattedByteCount`` bytes of `YYYY-MM-DDTHH:MM:SS.mmmZ` for an instant at `target`,
    /// which must have room for them; allocates nothing, for callers that fill their own buffers.
    ///
    /// The year is written with four digits (its last four, for years past 9999).
    @inlinable
    public static func write(_ ms: Int64, to target: UnsafeMutableRawPointer) {
        let (days, msOfDay) = floorDivide(ms, Instant.day)
        let date = CivilDate(daysSinceEpoch: Int(truncatingIfNeeded: days))
        @inline(__always)
        func put(_ byte: UInt8, _ offset: Int) {
            target.storeBytes(of: byte, toByteOffset: offset, as: UInt8.self)
        }
        @inline(__always)
        func digit(_ value: Int, _ offset: Int) {
            // The magnitude keeps a (meaningless) year before 0 from trapping.
            put(UInt8(truncatingIfNeeded: 0x30 &+ value.magnitude % 10), offset)
        }
        let year = date.year
        digit(year / 1000, 0)
        digit(year / 100, 1)
        digit(year / 10, 2)
        digit(year, 3)
        put(UInt8(ascii: "-"), 4)
        digit(date.month / 10, 5)
        digit(date.month, 6)
        put(UInt8(ascii: "-"), 7)
        digit(date.day / 10, 8)
        digit(date.day, 9)
        put(UInt8(ascii: "T"), 10)
        let total = Int(msOfDay)
        let hours = total / 3_600_000
        let minutes = total / 60_000 % 60
        let seconds = total / 1000 % 60
        let millis = total % 1000
        digit(hours / 10, 11)
        digit(hours, 12)
        put(UInt8(ascii: ":"), 13)
        digit(minutes / 10, 14)
        digit(minutes, 15)
        put(UInt8(ascii: ":"), 16)
        digit(seconds / 10, 17)
        digit(seconds, 18)
        put(UInt8(ascii: "."), 19)
        digit(millis / 100, 20)
        digit(millis / 10, 21)
        digit(millis, 22)
        put(UInt8(ascii: "Z"), 23)
    }

    /// Division rounding toward negative infinity, with a non-negative remainder.
    @inlinable
    public static func floorDivide(_ a: Int64, _ b: Int64) -> (quotient: Int64, remainder: Int64) {
        var q = a / b
        var r = a % b
        if r < 0 {
            q -= 1
            r += b
        }
        return (q, r)
    }

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        var atEnd: Bool { index == bytes.count }

        mutating func expect(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        mutating func digit() -> Int? {
            guard index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") else {
                return nil
            }
            defer { index += 1 }
            return Int(bytes[index] - UInt8(ascii: "0"))
        }

        mutating func digits(_ count: Int) -> Int? {
            let start = index
            var value = 0
            for _ in 0..<count {
                guard let d = digit() else {
                    index = start
                    return nil
                }
                value = value * 10 + d
            }
            return value
        }

        mutating func sign() -> Int? {
            if expect(UInt8(ascii: "+")) { return 1 }
            if expect(UInt8(ascii: "-")) { return -1 }
            return nil
        }
    }
}
