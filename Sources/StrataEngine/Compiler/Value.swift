import Foundation
import StrataCore

/// A run-time value of the segment language (LANGUAGE.md §3).
///
/// `missing` is a value of its own: arithmetic on it is missing, a comparison with it is false and
/// `not` of it is true. Timestamps and durations are milliseconds.
public enum Value: Sendable, Hashable {
    /// An absent property or trait, an aggregate over nothing, a division by zero...
    case missing
    /// A 64-bit float.
    case number(Double)
    /// Text; ordered by UTF-8 bytes.
    case string(String)
    /// A condition.
    case bool(Bool)
    /// An instant, in milliseconds since 1970 UTC.
    case time(Int64)
    /// A length of time, in milliseconds.
    case duration(Int64)
    /// An array or object read from a property or trait (only `contains`, `=` and `exists` use it).
    case json(JSONValue)

    /// The value of a JSON property or trait; null is missing.
    public init(_ json: JSONValue) {
        switch json {
        case .null: self = .missing
        case .bool(let b): self = .bool(b)
        case .number(let n): self = .number(n)
        case .string(let s): self = .string(s)
        case .array, .object: self = .json(json)
        }
    }

    /// Whether this is the bool `true` (the only value a condition accepts).
    @inline(__always) public var isTrue: Bool {
        if case .bool(true) = self { return true }
        return false
    }

    /// Whether the value is missing.
    @inline(__always) public var isMissing: Bool {
        if case .missing = self { return true }
        return false
    }

    /// The number, when this is one.
    @inline(__always) public var number: Double? {
        if case .number(let n) = self { return n }
        return nil
    }

    /// A number for ranking (`percentile`, score normalisation): numbers, bools as 0 or 1, and the
    /// milliseconds of timestamps and durations; nil otherwise.
    public var rankable: Double? {
        switch self {
        case .number(let n): n
        case .bool(let b): b ? 1 : 0
        case .time(let t): Double(t)
        case .duration(let d): Double(d)
        default: nil
        }
    }

    /// The value for display: numbers without a needless `.0`, strings quoted, timestamps in ISO 8601,
    /// durations in the largest whole unit, and `missing`.
    public var displayText: String {
        switch self {
        case .missing: "missing"
        case .number(let n): Value.format(n, maximumDecimals: 4)
        case .string(let s): "\"\(s)\""
        case .bool(let b): b ? "true" : "false"
        case .time(let t): Instant.format(t)
        case .duration(let d): Value.format(duration: d)
        case .json(let j): JSONWriter.string(j)
        }
    }

    /// The value as plain text for files (CSV, JSON lines): like ``displayText`` without quotes,
    /// and empty for missing.
    public var plainText: String {
        switch self {
        case .missing: ""
        case .string(let s): s
        default: displayText
        }
    }

    /// `3` for whole numbers, `2.4` otherwise (the shortest text that reads back as the number).
    public static func format(_ number: Double) -> String {
        if number.isFinite, number == number.rounded(), abs(number) < 1e15 { return String(Int64(number)) }
        return String(number)
    }

    /// A number rounded to at most `maximumDecimals` decimals for display: `46.2943`, `2.4`, `3`.
    public static func format(_ number: Double, maximumDecimals: Int) -> String {
        guard number.isFinite, abs(number) < 1e15 else { return String(number) }
        var scale = 1.0
        for _ in 0..<max(0, maximumDecimals) { scale *= 10 }
        let rounded = (number * scale).rounded() / scale
        return format(rounded)
    }

    /// `7d`, `2h`, `90s`, `1500ms`: the largest unit that divides the duration.
    public static func format(duration ms: Int64) -> String {
        let units: [(Int64, String)] = [(Instant.day, "d"), (Instant.hour, "h"), (Instant.minute, "m"), (1000, "s")]
        for (size, suffix) in units where ms != 0 && ms % size == 0 { return "\(ms / size)\(suffix)" }
        return "\(ms)ms"
    }
}

extension Value {
    /// `a = b` in the language: false when either side is missing or the types differ.
    static func equal(_ a: Value, _ b: Value) -> Bool {
        switch (a, b) {
        case (.number(let x), .number(let y)): x == y
        case (.string(let x), .string(let y)): Value.sameBytes(x, y)
        case (.bool(let x), .bool(let y)): x == y
        case (.time(let x), .time(let y)): x == y
        case (.duration(let x), .duration(let y)): x == y
        case (.json(let x), .json(let y)): x == y
        default: false
        }
    }

    /// Orders two values of one ordered type (numbers, strings by bytes, timestamps, durations);
    /// nil when either is missing, the types differ, or the type is unordered.
    static func order(_ a: Value, _ b: Value) -> Int? {
        switch (a, b) {
        case (.number(let x), .number(let y)):
            if x < y { return -1 }
            if x > y { return 1 }
            return x == y ? 0 : nil
        case (.string(let x), .string(let y)): return compareBytes(x, y)
        case (.time(let x), .time(let y)), (.duration(let x), .duration(let y)): return x < y ? -1 : (x > y ? 1 : 0)
        default: return nil
        }
    }

    /// Compares two strings by their UTF-8 bytes: -1, 0 or 1 (``Swift/String/compareUTF8(_:_:)``).
    static func compareBytes(_ x: String, _ y: String) -> Int { String.compareUTF8(x, y) }

    /// Whether two strings have the same UTF-8 bytes.
    static func sameBytes(_ x: String, _ y: String) -> Bool {
        x.utf8.count == y.utf8.count && compareBytes(x, y) == 0
    }

    /// Whether a string contains another as a run of UTF-8 bytes (case-sensitive).
    static func containsBytes(_ haystack: String, _ needle: String) -> Bool {
        let n = Array(needle.utf8)
        if n.isEmpty { return true }
        let h = Array(haystack.utf8)
        if h.count < n.count { return false }
        let first = n[0]
        var i = 0
        let last = h.count - n.count
        while i <= last {
            if h[i] == first {
                var j = 1
                while j < n.count, h[i + j] == n[j] { j += 1 }
                if j == n.count { return true }
            }
            i += 1
        }
        return false
    }
}
