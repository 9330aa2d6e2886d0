/// A strict, fast JSON parser over UTF-8 bytes (RFC 8259).
///
/// It rejects invalid UTF-8, lone surrogates, trailing garbage and nesting deeper
/// than ``maxDepth``, and reports the byte offset of the first problem.
public struct JSONParser {
    /// Why a document is not acceptable JSON, and where.
    public struct Error: Swift.Error, Sendable, Equatable, CustomStringConvertible {
        /// The byte offset of the problem within the document.
        public var offset: Int
        /// What was wrong, for example "expected ',' or '}'".
        public var message: String

        /// An error at a byte offset.
        public init(offset: Int, message: String) {
            self.offset = offset
            self.message = message
        }

        public var description: String { "\(message) at byte \(offset)" }
    }

    /// The deepest nesting of arrays and objects accepted.
    public static let maxDepth = 256

    /// Parses one JSON document from a byte buffer.
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(Error) -> JSONValue {
        var parser = Parser(bytes: bytes)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        if parser.index != bytes.count {
            throw Error(offset: parser.index, message: "unexpected content after the JSON value")
        }
        return value
    }

    /// Parses a document that holds one object, keeping only the members under `keys`: the others are
    /// checked exactly as ``parse(_:)-(UnsafeBufferPointer<UInt8>)`` checks them, without building
    /// their values.
    public static func parseObject(
        _ bytes: UnsafeBufferPointer<UInt8>, keeping keys: Set<String>
    ) throws(Error) -> [String: JSONValue] {
        var parser = Parser(bytes: bytes)
        parser.skipWhitespace()
        guard parser.index < bytes.count, bytes[parser.index] == UInt8(ascii: "{") else {
            throw Error(offset: parser.index, message: "expected an object")
        }
        guard case .object(let object) = try parser.parseObject(depth: 1, keeping: keys) else { return [:] }
        parser.skipWhitespace()
        if parser.index != bytes.count {
            throw Error(offset: parser.index, message: "unexpected content after the JSON value")
        }
        return object
    }

    /// Parses one JSON document from a byte collection.
    public static func parse(_ bytes: some Collection<UInt8>) throws(Error) -> JSONValue {
        let array = Array(bytes)
        do {
            return try array.withUnsafeBufferPointer { buffer in try parse(buffer) }
        } catch let error as Error {
            throw error
        } catch {
            throw Error(offset: 0, message: "\(error)")
        }
    }

    /// Parses one JSON document from a string.
    public static func parse(_ text: String) throws(Error) -> JSONValue {
        try parse(Array(text.utf8))
    }

    private struct Parser {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        func fail(_ message: String, at offset: Int? = nil) -> Error {
            Error(offset: offset ?? index, message: message)
        }

        mutating func skipWhitespace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x0A, 0x0D, 0x09: index += 1
                default: return
                }
            }
        }

        mutating func parseValue(depth: Int) throws(Error) -> JSONValue {
            guard index < bytes.count else { throw fail("unexpected end of input, expected a value") }
            switch bytes[index] {
            case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
            case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
            case UInt8(ascii: "\""): return .string(try parseString())
            case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
            case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
            case UInt8(ascii: "n"): try expectLiteral("null"); return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
            default: throw fail("unexpected character, expected a value")
            }
        }

        /// Checks one value as ``parseValue(depth:)`` does, without building it.
        mutating func skipValue(depth: Int) throws(Error) {
            guard index < bytes.count else { throw fail("unexpected end of input, expected a value") }
            switch bytes[index] {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let close = bytes[index] == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
                guard depth + 1 <= JSONParser.maxDepth else {
                    throw fail("nesting deeper than \(JSONParser.maxDepth) levels")
                }
                let isObject = close == UInt8(ascii: "}")
                index += 1
                skipWhitespace()
                if index < bytes.count, bytes[index] == close {
                    index += 1
                    return
                }
                while true {
                    skipWhitespace()
                    if isObject {
                        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                            throw fail("expected a string key")
                        }
                        try skipString()
                        skipWhitespace()
                        guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail("expected ':'") }
                        index += 1
                        skipWhitespace()
                    }
                    try skipValue(depth: depth + 1)
                    skipWhitespace()
                    let expected = isObject ? "',' or '}'" : "',' or ']'"
                    guard index < bytes.count else { throw fail("unexpected end of input, expected \(expected)") }
                    if bytes[index] == UInt8(ascii: ",") {
                        index += 1
                    } else if bytes[index] == close {
                        index += 1
                        return
                    } else {
                        throw fail("expected \(expected)")
                    }
                }
            case UInt8(ascii: "\""): try skipString()
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): _ = try parseNumber()
            default: _ = try parseValue(depth: depth)
            }
        }

        /// Checks one string as ``parseString()`` does; builds it only when it holds escapes.
        mutating func skipString() throws(Error) {
            var plain = CanonicalJSON(bytes: bytes, at: index)
            if plain.string(ascii: false) {
                index = plain.index
            } else {
                _ = try parseString()
            }
        }

        mutating func expectLiteral(_ literal: StaticString) throws(Error) {
            let start = index
            let count = literal.utf8CodeUnitCount
            guard index + count <= bytes.count else { throw fail("invalid literal", at: start) }
            let pointer = literal.utf8Start
            for offset in 0..<count where bytes[index + offset] != pointer[offset] {
                throw fail("invalid literal", at: start)
            }
            index += count
        }

        /// With `keeping`, members under other keys are skipped (still checked).
        mutating func parseObject(depth: Int, keeping: Set<String>? = nil) throws(Error) -> JSONValue {
            guard depth <= JSONParser.maxDepth else { throw fail("nesting deeper than \(JSONParser.maxDepth) levels") }
            index += 1
            var object: [String: JSONValue] = [:]
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .object(object)
            }
            while true {
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                    throw fail("expected a string key")
                }
                let key = try parseString()
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail("expected ':'") }
                index += 1
                skipWhitespace()
                if let keeping, !keeping.contains(key) {
                    try skipValue(depth: depth)
                } else {
                    object[key] = try parseValue(depth: depth)
                }
                skipWhitespace()
                guard index < bytes.count else { throw fail("unexpected end of input, expected ',' or '}'") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                } else if bytes[index] == UInt8(ascii: "}") {
                    index += 1
                    return .object(object)
                } else {
                    throw fail("expected ',' or '}'")
                }
            }
        }

        mutating func parseArray(depth: Int) throws(Error) -> JSONValue {
            guard depth <= JSONParser.maxDepth else { throw fail("nesting deeper than \(JSONParser.maxDepth) levels") }
            index += 1
            var array: [JSONValue] = []
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(array)
            }
            while true {
                skipWhitespace()
                array.append(try parseValue(depth: depth))
                skipWhitespace()
                guard index < bytes.count else { throw fail("unexpected end of input, expected ',' or ']'") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                } else if bytes[index] == UInt8(ascii: "]") {
                    index += 1
                    return .array(array)
                } else {
                    throw fail("expected ',' or ']'")
                }
            }
        }

        mutating func parseString() throws(Error) -> String {
            let start = index
            index += 1
            let contentStart = index
            // Fast path: no escapes, no control characters, valid UTF-8.
            var plain = CanonicalJSON(bytes: bytes, at: start)
            if plain.string(ascii: false) {
                index = plain.index
                return String(decoding: UnsafeBufferPointer(rebasing: bytes[contentStart..<index - 1]), as: UTF8.self)
            }
            var buffer: [UInt8] = []
            while index < bytes.count {
                let byte = bytes[index]
                switch byte {
                case UInt8(ascii: "\""):
                    index += 1
                    let result = buffer.withUnsafeBufferPointer { pointer -> String? in
                        try? makeString(pointer, start: start)
                    }
                    guard let string = result else { throw fail("invalid UTF-8 in string", at: start) }
                    return string
                case UInt8(ascii: "\\"):
                    index += 1
                    guard index < bytes.count else { throw fail("unterminated string", at: start) }
                    let escape = bytes[index]
                    index += 1
                    switch escape {
                    case UInt8(ascii: "\""): buffer.append(0x22)
                    case UInt8(ascii: "\\"): buffer.append(0x5C)
                    case UInt8(ascii: "/"): buffer.append(0x2F)
                    case UInt8(ascii: "b"): buffer.append(0x08)
                    case UInt8(ascii: "f"): buffer.append(0x0C)
                    case UInt8(ascii: "n"): buffer.append(0x0A)
                    case UInt8(ascii: "r"): buffer.append(0x0D)
                    case UInt8(ascii: "t"): buffer.append(0x09)
                    case UInt8(ascii: "u"): try appendUnicodeEscape(to: &buffer)
                    default: throw fail("invalid escape sequence", at: index - 2)
                    }
                default:
                    if byte < 0x20 { throw fail("control character in string") }
                    buffer.append(byte)
                    index += 1
                }
            }
            throw fail("unterminated string", at: start)
        }

        /// A string from UTF-8 bytes, refusing invalid UTF-8 (ASCII, the common case, is checked inline).
        func makeString(_ bytes: UnsafeBufferPointer<UInt8>, start: Int) throws(Error) -> String {
            var ascii = true
            for byte in bytes where byte >= 0x80 {
                ascii = false
                break
            }
            if ascii { return String(decoding: bytes, as: UTF8.self) }
            guard let string = String(validating: bytes, as: UTF8.self) else {
                throw fail("invalid UTF-8 in string", at: start)
            }
            return string
        }

        mutating func readHex4() throws(Error) -> UInt32 {
            guard index + 4 <= bytes.count else { throw fail("truncated \\u escape") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[index]
                let digit: UInt32
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
                default: throw fail("invalid hex digit in \\u escape")
                }
                value = value << 4 | digit
                index += 1
            }
            return value
        }

        mutating func appendUnicodeEscape(to buffer: inout [UInt8]) throws(Error) {
            var scalarValue = try readHex4()
            if (0xD800...0xDBFF).contains(scalarValue) {
                guard index + 2 <= bytes.count, bytes[index] == UInt8(ascii: "\\"),
                    bytes[index + 1] == UInt8(ascii: "u")
                else { throw fail("lone high surrogate in \\u escape") }
                index += 2
                let low = try readHex4()
                guard (0xDC00...0xDFFF).contains(low) else { throw fail("invalid low surrogate in \\u escape") }
                scalarValue = 0x10000 + ((scalarValue - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(scalarValue) {
                throw fail("lone low surrogate in \\u escape")
            }
            guard let scalar = Unicode.Scalar(scalarValue) else { throw fail("invalid \\u escape") }
            buffer.append(contentsOf: String(Character(scalar)).utf8)
        }

        mutating func parseNumber() throws(Error) -> Double {
            var reader = CanonicalJSON(bytes: bytes, at: index)
            let read = reader.number()
            defer { index = reader.index }
            switch read {
            case .success(let (value, _)): return value
            case .failure(let error): throw fail(error.rawValue, at: index)
            }
        }
    }
}
