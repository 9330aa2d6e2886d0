import StrataCore

/// Turns expression text into tokens with their source ranges (LANGUAGE.md §3-6).
///
/// Token kinds: numbers (`42`, `0.4`), strings (`"text"`, with `\"`, `\\`, `\n`, `\t` escapes),
/// durations (`30s 15m 2h 7d 4w`), dates (`2026-11-01`), instants (`2026-11-01T10:00:00Z`, optional
/// fraction and `+02:00` offsets), dotted identifiers (`a.b.c`, `` `Plan Name` ``, `$weekday`), keywords,
/// operators and punctuation. A segment after `score.`, `stage.` or `computed.` may contain hyphens
/// (`score.churn-risk`), because definition names are kebab-case; elsewhere `-` is subtraction.
public struct Lexer {
    /// The tokens (ending with `.end`) and any lexical errors.
    public struct Result: Sendable {
        /// The tokens; the last one is always `.end`.
        public var tokens: [Token]
        /// Errors for text that is not a token.
        public var diagnostics: [Diagnostic]
    }

    private let source: SourceText
    private let bytes: [UInt8]
    private var index = 0
    private var tokens: [Token] = []
    private var diagnostics: [Diagnostic] = []

    private init(source: SourceText) {
        self.source = source
        self.bytes = source.bytes
    }

    /// Splits the whole text into tokens.
    public static func tokenize(_ source: SourceText) -> Result {
        var lexer = Lexer(source: source)
        lexer.run()
        return Result(tokens: lexer.tokens, diagnostics: lexer.diagnostics)
    }

    /// Splits a standalone expression into tokens.
    public static func tokenize(_ text: String) -> Result {
        tokenize(SourceText(text))
    }

    /// Path segments after which a segment may contain hyphens (definition names are kebab-case).
    static let kebabPrefixes: Set<String> = ["score", "stage", "computed"]

    private func peek(_ offset: Int = 0) -> UInt8? {
        let position = index + offset
        return position < bytes.count ? bytes[position] : nil
    }

    private mutating func run() {
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case 0x20, 0x09, 0x0A, 0x0D:
                index += 1
            case 0x30...0x39:
                lexNumber()
            case 0x22:
                lexString()
            case 0x60, 0x24, 0x5F, 0x41...0x5A, 0x61...0x7A:
                lexIdentifier()
            default:
                lexSymbol()
            }
        }
        tokens.append(Token(kind: .end, range: source.range(bytes.count, bytes.count), text: ""))
    }

    private func text(_ start: Int, _ end: Int) -> String {
        String(decoding: bytes[start..<end], as: UTF8.self)
    }

    private mutating func add(_ kind: Token.Kind, from start: Int) {
        tokens.append(Token(kind: kind, range: source.range(start, index), text: text(start, index)))
    }

    private mutating func error(_ message: String, from start: Int, to end: Int, suggestion: String? = nil) {
        diagnostics.append(
            Diagnostic(
                .error, .invalidToken, message, file: source.file, at: source.range(start, max(start, end)),
                suggestion: suggestion))
    }

    private static func isDigit(_ byte: UInt8?) -> Bool {
        guard let byte else { return false }
        return byte >= 0x30 && byte <= 0x39
    }

    private static func isLetter(_ byte: UInt8?) -> Bool {
        guard let byte else { return false }
        return (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
    }

    private static func isWordByte(_ byte: UInt8?) -> Bool {
        isDigit(byte) || isLetter(byte) || byte == 0x5F
    }

    // MARK: Numbers, durations, dates, instants

    private mutating func lexNumber() {
        let start = index
        if looksLikeDate() {
            lexDate()
            return
        }
        while Lexer.isDigit(peek()) { index += 1 }
        if peek() == 0x2E, Lexer.isDigit(peek(1)) {
            index += 1
            while Lexer.isDigit(peek()) { index += 1 }
        }
        let numberEnd = index
        let value = Double(text(start, numberEnd)) ?? 0
        guard Lexer.isLetter(peek()) || peek() == 0x5F else {
            add(.number(value), from: start)
            return
        }
        let unitStart = index
        while Lexer.isWordByte(peek()) { index += 1 }
        let unit = text(unitStart, index)
        let unitMilliseconds: Double? =
            switch unit {
            case "s": 1000
            case "m": 60_000
            case "h": 3_600_000
            case "d": 86_400_000
            case "w": 604_800_000
            default: nil
            }
        guard let unitMilliseconds else {
            let hint: String? =
                switch unit {
                case "sec", "secs", "second", "seconds": "s"
                case "min", "mins", "minute", "minutes": "m"
                case "hr", "hrs", "hour", "hours": "h"
                case "day", "days": "d"
                case "wk", "wks", "week", "weeks": "w"
                default: nil
                }
            error(
                "unknown duration unit `\(unit)` in `\(text(start, index))`: expected s, m, h, d or w",
                from: start, to: index, suggestion: hint.map { text(start, numberEnd) + $0 })
            return
        }
        let milliseconds = value * unitMilliseconds
        guard milliseconds < 9.0e15 else {
            error("duration `\(text(start, index))` is too long", from: start, to: index)
            return
        }
        add(.duration(milliseconds: Int64(milliseconds.rounded())), from: start)
    }

    /// `DDDD-DD-DD` not followed by another digit.
    private func looksLikeDate() -> Bool {
        guard index + 10 <= bytes.count else { return false }
        for offset in 0..<10 {
            let byte = bytes[index + offset]
            if offset == 4 || offset == 7 {
                if byte != 0x2D { return false }
            } else if !Lexer.isDigit(byte) {
                return false
            }
        }
        return !Lexer.isDigit(peek(10))
    }

    private mutating func lexDate() {
        let start = index
        index += 10
        let dateText = text(start, index)
        guard let date = DateLiteral(parsing: dateText) else {
            error("invalid date `\(dateText)`: expected YYYY-MM-DD with a real day", from: start, to: index)
            return
        }
        guard peek() == 0x54 else {  // "T"
            if Lexer.isLetter(peek()) || Lexer.isDigit(peek()) {
                while Lexer.isWordByte(peek()) { index += 1 }
                error("invalid date `\(text(start, index))`: expected YYYY-MM-DD", from: start, to: index)
                return
            }
            add(.date(date), from: start)
            return
        }
        index += 1
        guard let milliseconds = lexTimeOfDay(date: date) else {
            while index < bytes.count,
                !(bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x2C
                    || bytes[index] == 0x29)
            {
                index += 1
            }
            error(
                "invalid instant `\(text(start, index))`: expected YYYY-MM-DDTHH:MM:SS followed by Z or an offset "
                    + "such as +02:00", from: start, to: index)
            return
        }
        add(.instant(milliseconds: milliseconds), from: start)
    }

    /// Reads `HH:MM:SS[.fff](Z|±HH:MM)` and returns the instant in UTC milliseconds.
    private mutating func lexTimeOfDay(date: DateLiteral) -> Int64? {
        func twoDigits() -> Int? {
            guard Lexer.isDigit(peek()), Lexer.isDigit(peek(1)) else { return nil }
            let value = Int(bytes[index] - 0x30) * 10 + Int(bytes[index + 1] - 0x30)
            index += 2
            return value
        }
        guard let hour = twoDigits(), hour < 24, peek() == 0x3A else { return nil }
        index += 1
        guard let minute = twoDigits(), minute < 60, peek() == 0x3A else { return nil }
        index += 1
        guard let second = twoDigits(), second < 60 else { return nil }
        var millisecond = 0
        if peek() == 0x2E {
            index += 1
            var digits = 0
            while Lexer.isDigit(peek()) {
                if digits < 3 { millisecond = millisecond * 10 + Int(bytes[index] - 0x30) }
                digits += 1
                index += 1
            }
            guard digits > 0 else { return nil }
            if digits < 3 {
                for _ in digits..<3 { millisecond *= 10 }
            }
        }
        var offsetMinutes = 0
        if peek() == 0x5A {  // Z
            index += 1
        } else if peek() == 0x2B || peek() == 0x2D {
            let sign = peek() == 0x2D ? -1 : 1
            index += 1
            guard let offsetHour = twoDigits(), offsetHour < 24, peek() == 0x3A else { return nil }
            index += 1
            guard let offsetMinute = twoDigits(), offsetMinute < 60 else { return nil }
            offsetMinutes = sign * (offsetHour * 60 + offsetMinute)
        } else {
            return nil
        }
        if Lexer.isWordByte(peek()) { return nil }
        let seconds =
            Int64(date.daysSinceEpoch) * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetMinutes * 60)
        return seconds * 1000 + Int64(millisecond)
    }

    // MARK: Strings

    private mutating func lexString() {
        let start = index
        index += 1
        var scalars: [UInt8] = []
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x22 {
                index += 1
                add(.string(String(decoding: scalars, as: UTF8.self)), from: start)
                return
            }
            if byte == 0x0A {
                break
            }
            if byte == 0x5C {
                let escape = peek(1)
                switch escape {
                case 0x22: scalars.append(0x22)
                case 0x5C: scalars.append(0x5C)
                case 0x6E: scalars.append(0x0A)
                case 0x74: scalars.append(0x09)
                case 0x2F: scalars.append(0x2F)
                default:
                    let end = min(index + 2, bytes.count)
                    error(
                        "unknown escape `\(text(index, end))` in a string: expected \\\", \\\\, \\n or \\t",
                        from: index, to: end)
                }
                index += 2
                continue
            }
            scalars.append(byte)
            index += 1
        }
        error("unterminated string: expected a closing `\"` on the same line", from: start, to: start + 1)
        index = max(index, start + 1)
    }

    // MARK: Identifiers and keywords

    private mutating func lexIdentifier() {
        let start = index
        var segments: [String] = []
        var quotedFirst = false
        while true {
            let allowHyphen = segments.last.map { Lexer.kebabPrefixes.contains($0) } ?? false
            if peek() == 0x60 {
                guard let segment = lexBacktickSegment() else { return }
                if segments.isEmpty { quotedFirst = true }
                segments.append(segment)
            } else {
                let segmentStart = index
                if peek() == 0x24, segments.isEmpty { index += 1 }  // `$weekday`
                while Lexer.isWordByte(peek())
                    || (allowHyphen && peek() == 0x2D && Lexer.isWordByte(peek(1)) && index > segmentStart)
                {
                    index += 1
                }
                if index == segmentStart || (index == segmentStart + 1 && bytes[segmentStart] == 0x24) {
                    error("expected a name after `$`", from: start, to: index)
                    return
                }
                segments.append(text(segmentStart, index))
            }
            // A dot continues the path only when a name follows it directly.
            if peek() == 0x2E, let next = peek(1), next == 0x60 || next == 0x5F || Lexer.isLetter(next) {
                index += 1
                continue
            }
            break
        }
        if segments.count == 1, !quotedFirst, let keyword = Keyword(rawValue: segments[0]) {
            add(.keyword(keyword), from: start)
        } else {
            add(.identifier(Path(segments, quotedFirst: quotedFirst)), from: start)
        }
    }

    private mutating func lexBacktickSegment() -> String? {
        let start = index
        index += 1
        let contentStart = index
        while index < bytes.count, bytes[index] != 0x60, bytes[index] != 0x0A { index += 1 }
        guard index < bytes.count, bytes[index] == 0x60 else {
            error("unterminated backtick name: expected a closing `` ` ``", from: start, to: start + 1)
            return nil
        }
        let content = text(contentStart, index)
        index += 1
        guard !content.isEmpty else {
            error("empty backtick name", from: start, to: index)
            return nil
        }
        return content
    }

    // MARK: Symbols

    private mutating func lexSymbol() {
        let start = index
        let byte = bytes[index]
        let next = peek(1)
        func single(_ symbol: Token.Symbol) {
            index += 1
            add(.symbol(symbol), from: start)
        }
        func double(_ symbol: Token.Symbol) {
            index += 2
            add(.symbol(symbol), from: start)
        }
        switch byte {
        case 0x2B: single(.plus)
        case 0x2D: single(.minus)
        case 0x2A: single(.star)
        case 0x2F: single(.slash)
        case 0x28: single(.leftParen)
        case 0x29: single(.rightParen)
        case 0x5B: single(.leftBracket)
        case 0x5D: single(.rightBracket)
        case 0x2C: single(.comma)
        case 0x3A: single(.colon)
        case 0x2E: single(.dot)
        case 0x3D:
            if next == 0x3D {
                index += 2
                error("`==` is not an operator: equality is a single `=`", from: start, to: index, suggestion: "=")
            } else {
                single(.equal)
            }
        case 0x21:
            if next == 0x3D {
                double(.notEqual)
            } else {
                index += 1
                error(
                    "`!` is not an operator: negation is the keyword `not`", from: start, to: index, suggestion: "not")
            }
        case 0x3C:
            if next == 0x3D {
                double(.lessEqual)
            } else if next == 0x3E {
                index += 2
                error("`<>` is not an operator: inequality is `!=`", from: start, to: index, suggestion: "!=")
            } else {
                single(.less)
            }
        case 0x3E:
            if next == 0x3D { double(.greaterEqual) } else { single(.greater) }
        case 0x26 where next == 0x26:
            index += 2
            error("`&&` is not an operator: use the keyword `and`", from: start, to: index, suggestion: "and")
        case 0x7C where next == 0x7C:
            index += 2
            error("`||` is not an operator: use the keyword `or`", from: start, to: index, suggestion: "or")
        case 0x27:
            index += 1
            while index < bytes.count, bytes[index] != 0x27, bytes[index] != 0x0A { index += 1 }
            if index < bytes.count, bytes[index] == 0x27 { index += 1 }
            error("strings are written in double quotes (\"text\"), not single quotes", from: start, to: index)
        default:
            // Skip the whole scalar so a multi-byte character is reported once.
            index += 1
            while index < bytes.count, bytes[index] & 0xC0 == 0x80 { index += 1 }
            error("unexpected character `\(text(start, index))`", from: start, to: index)
        }
    }
}
