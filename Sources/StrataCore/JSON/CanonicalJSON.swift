/// Canonical JSON, as ``JSONWriter`` writes it, straight from raw bytes without building values.
///
/// It reads a strict subset of JSON and says no (returns false) to the rest: to everything
/// ``JSONParser`` refuses, and to what it leaves to the parser and the writer: escapes in strings,
/// keys that are not ASCII, repeated keys and nesting deeper than ``maxDepth``. Whenever it says yes,
/// its output equals `JSONWriter.write(JSONParser.parse(bytes))`.
public struct CanonicalJSON {
    /// The deepest nesting it reads; deeper values are left to the parser.
    public static let maxDepth = 32

    let bytes: UnsafeBufferPointer<UInt8>
    /// The read position.
    var index: Int

    /// A reader of the bytes, starting at an offset.
    init(bytes: UnsafeBufferPointer<UInt8>, at index: Int) {
        self.bytes = bytes
        self.index = index
    }

    /// Appends the canonical form of the one JSON value that fills `span` of `bytes` (whitespace
    /// around it allowed), with `extra` string members set in it when it is an object. Returns false,
    /// leaving `out` in an unspecified state, when the value is outside what it reads.
    public static func write(
        _ bytes: UnsafeBufferPointer<UInt8>, span: Range<Int>, setting extra: [(key: String, value: String)] = [],
        into out: inout [UInt8]
    ) -> Bool {
        var reader = CanonicalJSON(bytes: UnsafeBufferPointer(rebasing: bytes[..<span.upperBound]), at: span.lowerBound)
        reader.skipWhitespace()
        guard reader.index < span.upperBound else { return false }
        let written: Bool
        if extra.isEmpty {
            written = reader.value(depth: 1, into: &out)
        } else {
            guard reader.bytes[reader.index] == UInt8(ascii: "{") else { return false }
            written = reader.object(depth: 1, setting: extra, into: &out)
        }
        reader.skipWhitespace()
        return written && reader.index == span.upperBound
    }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    mutating func value(depth: Int, into out: inout [UInt8]) -> Bool {
        guard index < bytes.count else { return false }
        switch bytes[index] {
        case UInt8(ascii: "{"): return object(depth: depth, setting: [], into: &out)
        case UInt8(ascii: "["): return array(depth: depth, into: &out)
        case UInt8(ascii: "\""):
            let start = index
            guard string(ascii: false) else { return false }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
            return true
        case UInt8(ascii: "t"): return literal("true", into: &out)
        case UInt8(ascii: "f"): return literal("false", into: &out)
        case UInt8(ascii: "n"): return literal("null", into: &out)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let start = index
            guard case .success(let (value, verbatim)) = number() else { return false }
            if verbatim {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
            } else {
                JSONWriter.writeNumber(value, into: &out)
            }
            return true
        default: return false
        }
    }

    mutating func literal(_ text: StaticString, into out: inout [UInt8]) -> Bool {
        let start = index
        guard skip(text) else { return false }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
        return true
    }

    /// Moves past a literal (`null`, `true`, `false`) if it is next.
    mutating func skip(_ text: StaticString) -> Bool {
        let count = text.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        for offset in 0..<count where bytes[index + offset] != text.utf8Start[offset] { return false }
        index += count
        return true
    }

    /// A member of an object being written: where its key and its whole `"key":value` lie in the output.
    struct Member {
        var start: Int
        var keyEnd: Int
        var end: Int
    }

    mutating func object(depth: Int, setting extra: [(key: String, value: String)], into out: inout [UInt8]) -> Bool {
        guard depth <= Self.maxDepth else { return false }
        index += 1
        let base = out.count
        out.append(UInt8(ascii: "{"))
        var members: [Member] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
        } else {
            while true {
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return false }
                let keyStart = index
                guard string(ascii: true) else { return false }
                if !members.isEmpty { out.append(UInt8(ascii: ",")) }
                let start = out.count
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[keyStart..<index]))
                let keyEnd = out.count
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return false }
                index += 1
                skipWhitespace()
                out.append(UInt8(ascii: ":"))
                guard value(depth: depth + 1, into: &out) else { return false }
                members.append(Member(start: start, keyEnd: keyEnd, end: out.count))
                skipWhitespace()
                guard index < bytes.count else { return false }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                } else if bytes[index] == UInt8(ascii: "}") {
                    index += 1
                    break
                } else {
                    return false
                }
            }
        }
        var contiguous = true
        for (key, text) in extra {
            var quoted: [UInt8] = []
            JSONWriter.writeString(key, into: &quoted)
            let before = members.count
            members.removeAll { Self.key(of: $0, in: out).elementsEqual(quoted) }
            if members.count != before { contiguous = false }
            if out.count > base + 1 { out.append(UInt8(ascii: ",")) }
            let start = out.count
            out.append(contentsOf: quoted)
            let keyEnd = out.count
            out.append(UInt8(ascii: ":"))
            JSONWriter.writeString(text, into: &out)
            members.append(Member(start: start, keyEnd: keyEnd, end: out.count))
        }
        return Self.close(members, from: base, contiguous: contiguous, in: &out)
    }

    /// The quoted key of a member.
    static func key(of member: Member, in out: [UInt8]) -> ArraySlice<UInt8> { out[member.start..<member.keyEnd] }

    /// Ends the object written from `base`, first putting its members in key order unless they are
    /// in order already and written one after the other; false when a key repeats.
    static func close(_ members: [Member], from base: Int, contiguous: Bool, in out: inout [UInt8]) -> Bool {
        // Keys are ASCII without escapes, so byte order is the order of `String`, and the closing
        // quote sorts a key before every longer key it prefixes.
        func precedes(_ a: Member, _ b: Member) -> Bool {
            key(of: a, in: out).lexicographicallyPrecedes(key(of: b, in: out))
        }
        if contiguous && zip(members, members.dropFirst()).allSatisfy(precedes) {
            out.append(UInt8(ascii: "}"))
            return true
        }
        let sorted = members.sorted(by: precedes)
        guard zip(sorted, sorted.dropFirst()).allSatisfy(precedes) else { return false }
        var rewritten: [UInt8] = [UInt8(ascii: "{")]
        rewritten.reserveCapacity(out.count - base + 1)
        for (position, member) in sorted.enumerated() {
            if position > 0 { rewritten.append(UInt8(ascii: ",")) }
            rewritten.append(contentsOf: out[member.start..<member.end])
        }
        rewritten.append(UInt8(ascii: "}"))
        out.replaceSubrange(base..., with: rewritten)
        return true
    }

    mutating func array(depth: Int, into out: inout [UInt8]) -> Bool {
        guard depth <= Self.maxDepth else { return false }
        index += 1
        out.append(UInt8(ascii: "["))
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            out.append(UInt8(ascii: "]"))
            return true
        }
        var first = true
        while true {
            skipWhitespace()
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            guard value(depth: depth + 1, into: &out) else { return false }
            skipWhitespace()
            guard index < bytes.count else { return false }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
            } else if bytes[index] == UInt8(ascii: "]") {
                index += 1
                out.append(UInt8(ascii: "]"))
                return true
            } else {
                return false
            }
        }
    }

    /// Moves past a string without escapes or control characters whose bytes are valid UTF-8
    /// (ASCII only when `ascii` is set); false for any other string.
    mutating func string(ascii: Bool) -> Bool {
        let start = index
        index += 1
        var plain = true
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let content = UnsafeBufferPointer(rebasing: bytes[start + 1..<index])
                index += 1
                return plain || !ascii && String(validating: content, as: UTF8.self) != nil
            }
            if byte == UInt8(ascii: "\\") || byte < 0x20 { return false }
            if byte >= 0x80 { plain = false }
            index += 1
        }
        return false
    }

    /// Moves past a number and reads it, saying whether ``JSONWriter`` prints it exactly as written;
    /// or says why it is not a number within range (``JSONParser`` reports these at its start).
    mutating func number() -> Result<(value: Double, verbatim: Bool), NumberError> {
        let start = index
        var negative = false
        if bytes[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        guard index < bytes.count, isDigit(bytes[index]) else { return .failure(.invalid) }
        var mantissa: UInt64 = 0
        var digits = 0
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
            if index < bytes.count, isDigit(bytes[index]) { return .failure(.leadingZero) }
            digits = 1
        } else {
            while index < bytes.count, isDigit(bytes[index]) {
                if digits < 18 { mantissa = mantissa * 10 + UInt64(bytes[index] - UInt8(ascii: "0")) }
                digits += 1
                index += 1
            }
        }
        var whole = true
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            whole = false
            index += 1
            guard skipDigits() else { return .failure(.invalid) }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            whole = false
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            guard skipDigits() else { return .failure(.invalid) }
        }
        if whole && digits <= 18 {
            // Below 2^53 a whole number prints as its digits; minus zero prints as 0.
            let value = Double(mantissa)
            return .success((negative ? -value : value, digits <= 15 && !(negative && mantissa == 0)))
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        guard let value = Double(text), value.isFinite else { return .failure(.outOfRange) }
        return .success((value, false))
    }

    /// Why a number cannot be read.
    enum NumberError: String, Error {
        case invalid = "invalid number"
        case leadingZero = "leading zero in number"
        case outOfRange = "number out of range"
    }

    /// Moves past one or more digits; false when none is next.
    private mutating func skipDigits() -> Bool {
        guard index < bytes.count, isDigit(bytes[index]) else { return false }
        while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        return true
    }

    func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
}
