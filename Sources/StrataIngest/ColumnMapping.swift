import StrataCore

/// How the columns of a delimited file become message fields (`--map target=source[:format]`).
///
/// Targets: `userId`, `anonymousId`, `messageId`, `event`, `type`, `groupId`, `timestamp`,
/// `properties.NAME` and `traits.NAME`. A source is a column name (or `$N`, the N-th column,
/// from 1), optionally followed by `:format`; a quoted source (`"Order Completed"`) is a literal,
/// and for `event` and `type` a source that names no column is a literal too.
/// Timestamp formats: `iso` (default), `epoch_s`, `epoch_ms`, or a date pattern made of
/// `yyyy`, `MM`, `dd`, `HH`, `mm`, `ss` and literal separators (`yyyyMMdd`, `MM/dd/yyyy HH:mm`).
/// Value formats for properties and traits: `number`, `string`, `bool` (default: inferred).
public struct ColumnMapping: Sendable {
    /// Where a field's value comes from.
    public enum Source: Sendable, Equatable {
        /// A column, by position (0-based).
        case column(Int)
        /// A fixed value.
        case literal(String)
    }

    /// How a column's text becomes a JSON value.
    public enum ValueFormat: Sendable, Equatable {
        case inferred, number, string, bool
    }

    /// How a column's text becomes a timestamp.
    public enum TimeFormat: Sendable, Equatable {
        case iso, epochSeconds, epochMilliseconds
        /// A fixed-width pattern of `yyyy MM dd HH mm ss` and literal characters.
        case pattern(String)
    }

    /// One `--map` entry, resolved against the columns.
    public struct Field: Sendable, Equatable {
        /// The target, for example `properties.revenue`.
        public var target: String
        /// The value's source.
        public var source: Source
        /// The value format (properties and traits).
        public var valueFormat: ValueFormat
        /// The time format (timestamp).
        public var timeFormat: TimeFormat
    }

    /// The resolved fields.
    public let fields: [Field]
    /// The column names.
    public let columns: [String]
    /// The zone in which dates and times without an offset are read.
    public let zone: Zone

    /// The targets a mapping may set.
    public static let plainTargets = ["userId", "anonymousId", "messageId", "event", "type", "groupId", "timestamp"]

    /// Resolves `--map` specifications against the column names.
    public init(specifications: [String], columns: [String], zone: Zone = .utc) throws(ImportError) {
        self.columns = columns
        self.zone = zone
        var fields: [Field] = []
        for spec in specifications {
            guard let equals = spec.firstIndex(of: "=") else {
                throw ImportError("--map \(spec): expected TARGET=SOURCE, for example userId=customer_id")
            }
            let target = String(spec[..<equals])
            let sourceText = String(spec[spec.index(after: equals)...])
            guard Self.plainTargets.contains(target) || Self.isNested(target) else {
                let hint =
                    Suggestion.nearest(to: target, in: Self.plainTargets).map { " (did you mean `\($0)`?)" } ?? ""
                throw ImportError(
                    "--map \(spec): unknown target `\(target)`\(hint); expected one of \(Self.plainTargets.joined(separator: ", ")), properties.NAME or traits.NAME"
                )
            }
            fields.append(try Self.field(target: target, source: sourceText, columns: columns))
        }
        guard fields.contains(where: { $0.target == "userId" || $0.target == "anonymousId" }) else {
            throw ImportError("--map needs userId=COLUMN or anonymousId=COLUMN to know whose events these are")
        }
        self.fields = fields
    }

    private static func isNested(_ target: String) -> Bool {
        (target.hasPrefix("properties.") || target.hasPrefix("traits.")) && !target.hasSuffix(".")
    }

    private static func field(target: String, source text: String, columns: [String]) throws(ImportError) -> Field {
        if text.count >= 2, text.hasPrefix("\""), text.hasSuffix("\"") {
            return Field(
                target: target, source: .literal(String(text.dropFirst().dropLast())), valueFormat: .string,
                timeFormat: .iso)
        }
        var name = text
        var format: String?
        if let index = columnIndex(text, columns) {
            return try field(target: target, column: index, format: nil)
        }
        if let colon = text.firstIndex(of: ":") {
            name = String(text[..<colon])
            format = String(text[text.index(after: colon)...])
        }
        if let index = columnIndex(name, columns) {
            return try field(target: target, column: index, format: format)
        }
        if target == "event" || target == "type" {
            return Field(target: target, source: .literal(text), valueFormat: .string, timeFormat: .iso)
        }
        let hint = Suggestion.nearest(to: name, in: columns).map { " (did you mean `\($0)`?)" } ?? ""
        throw ImportError(
            "--map \(target)=\(text): no column `\(name)`\(hint); the columns are \(columns.joined(separator: ", "))")
    }

    private static func columnIndex(_ name: String, _ columns: [String]) -> Int? {
        if name.hasPrefix("$"), let position = Int(name.dropFirst()), position >= 1 { return position - 1 }
        return columns.firstIndex(of: name)
    }

    private static func field(target: String, column: Int, format: String?) throws(ImportError) -> Field {
        var field = Field(target: target, source: .column(column), valueFormat: .inferred, timeFormat: .iso)
        guard let format else { return field }
        if target == "timestamp" {
            switch format {
            case "iso": field.timeFormat = .iso
            case "epoch_s": field.timeFormat = .epochSeconds
            case "epoch_ms": field.timeFormat = .epochMilliseconds
            default:
                guard format.contains("yyyy"), format.contains("MM"), format.contains("dd") else {
                    throw ImportError(
                        "--map timestamp: unknown time format `\(format)`; expected iso, epoch_s, epoch_ms or a pattern such as yyyyMMdd"
                    )
                }
                field.timeFormat = .pattern(format)
            }
        } else {
            switch format {
            case "number": field.valueFormat = .number
            case "string": field.valueFormat = .string
            case "bool": field.valueFormat = .bool
            default:
                throw ImportError("--map \(target): unknown value format `\(format)`; expected number, string or bool")
            }
        }
        return field
    }

    /// Builds the message objects of one row, or says which field could not be read, counting how
    /// inferred values were read in `tally`.
    ///
    /// A row gives one message; an event row that also maps traits gives an identify carrying them
    /// first (traits belong to identify calls), at the same time, so nothing mapped is dropped.
    public func objects(row: [Substring], tally: inout ValueTally) -> Result<[[String: JSONValue]], MessageError> {
        var object: [String: JSONValue] = [:]
        var properties: [String: JSONValue] = [:]
        var traits: [String: JSONValue] = [:]
        for (position, field) in fields.enumerated() {
            let text: Substring
            switch field.source {
            case .literal(let value): text = Substring(value)
            case .column(let index):
                guard index < row.count else {
                    return .failure(
                        MessageError(
                            .wrongType, field: field.target,
                            "row has \(row.count) columns, expected at least \(index + 1) (\(columnName(index)))"))
                }
                text = row[index]
            }
            if text.isEmpty { continue }
            if field.target == "timestamp" {
                guard let ms = Self.parseTime(text, field.timeFormat, zone: zone) else {
                    return .failure(
                        MessageError(
                            .invalidTimestamp, field: "timestamp",
                            "cannot read \"\(text.prefix(40))\" from \(columnName(field)) as \(Self.describe(field.timeFormat))"
                        ))
                }
                object["timestamp"] = .string(Instant.format(ms))
            } else if let name = Self.payloadName(field.target, under: "properties.") {
                guard let value = Self.value(text, field.valueFormat) else { return .failure(formatError(field, text)) }
                if field.valueFormat == .inferred { tally.count(value, field: position) }
                properties[name] = value
            } else if let name = Self.payloadName(field.target, under: "traits.") {
                guard let value = Self.value(text, field.valueFormat) else { return .failure(formatError(field, text)) }
                if field.valueFormat == .inferred { tally.count(value, field: position) }
                traits[name] = value
            } else {
                object[field.target] = .string(String(text))
            }
        }
        let isEvent = object["event"] != nil
        if object["type"] == nil { object["type"] = .string(isEvent ? "track" : "identify") }
        if !properties.isEmpty { object["properties"] = .object(properties) }
        guard !traits.isEmpty else { return .success([object]) }
        guard object["type"]?.stringValue?.lowercased() != "identify" else {
            object["traits"] = .object(traits)
            return .success([object])
        }
        var identify = object.filter { ["userId", "anonymousId", "timestamp"].contains($0.key) }
        identify["type"] = .string("identify")
        identify["traits"] = .object(traits)
        return .success([identify, object])
    }

    private static func payloadName(_ target: String, under prefix: String) -> String? {
        target.hasPrefix(prefix) ? String(target.dropFirst(prefix.count)) : nil
    }

    /// What the fields whose values are inferred held, read as numbers, booleans or text.
    public func readings(_ tally: ValueTally) -> [ValueReading] {
        tally.counts.keys.sorted().map { position in
            let field = fields[position]
            return ValueReading(target: field.target, source: columnName(field), counts: tally.counts[position] ?? [:])
        }
    }

    private func columnName(_ index: Int) -> String {
        index < columns.count ? "column `\(columns[index])`" : "column \(index + 1)"
    }

    private func columnName(_ field: Field) -> String {
        if case .column(let index) = field.source { return columnName(index) }
        return "a literal"
    }

    private func formatError(_ field: Field, _ text: Substring) -> MessageError {
        MessageError(
            .wrongType, field: field.target,
            "cannot read \"\(text.prefix(40))\" from \(columnName(field)) as \(field.valueFormat)")
    }

    private static func describe(_ format: TimeFormat) -> String {
        switch format {
        case .iso: "an ISO 8601 instant"
        case .epochSeconds: "seconds since 1970"
        case .epochMilliseconds: "milliseconds since 1970"
        case .pattern(let pattern): "a date of the form \(pattern)"
        }
    }

    static func value(_ text: Substring, _ format: ValueFormat) -> JSONValue? {
        switch format {
        case .string: return .string(String(text))
        case .number: return Double(text).flatMap { $0.isFinite ? .number($0) : nil }
        case .bool:
            switch text.lowercased() {
            case "true", "1", "yes": return .bool(true)
            case "false", "0", "no": return .bool(false)
            default: return nil
            }
        case .inferred:
            if text == "true" { return .bool(true) }
            if text == "false" { return .bool(false) }
            let leadingZero = text.count > 1 && text.hasPrefix("0") && !text.hasPrefix("0.")
            if !leadingZero, let number = Double(text), number.isFinite { return .number(number) }
            return .string(String(text))
        }
    }

    static func parseTime(_ text: Substring, _ format: TimeFormat, zone: Zone) -> Int64? {
        switch format {
        case .iso: return Instant.parse(String(text))
        case .epochSeconds: return Double(text).map { Int64(($0 * 1000).rounded(.down)) }
        case .epochMilliseconds: return Int64(text)
        case .pattern(let pattern): return parsePattern(Array(text.utf8), Array(pattern.utf8), zone: zone)
        }
    }

    private static func parsePattern(_ text: [UInt8], _ pattern: [UInt8], zone: Zone) -> Int64? {
        var parts: [UInt8: Int] = [:]
        var i = 0
        var j = 0
        while j < pattern.count {
            let letter = pattern[j]
            var run = 1
            while j + run < pattern.count, pattern[j + run] == letter { run += 1 }
            if "yMdHms".utf8.contains(letter) {
                guard i + run <= text.count else { return nil }
                var value = 0
                for k in 0..<run {
                    let byte = text[i + k]
                    guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                    value = value * 10 + Int(byte - UInt8(ascii: "0"))
                }
                parts[letter] = value
                i += run
            } else {
                for k in 0..<run {
                    guard i + k < text.count, text[i + k] == letter else { return nil }
                }
                i += run
            }
            j += run
        }
        guard i == text.count, let year = parts[UInt8(ascii: "y")], let month = parts[UInt8(ascii: "M")],
            let day = parts[UInt8(ascii: "d")], (1...12).contains(month), day >= 1,
            day <= CivilDate.daysInMonth(year: year, month: month)
        else { return nil }
        let hour = parts[UInt8(ascii: "H")] ?? 0
        let minute = parts[UInt8(ascii: "m")] ?? 0
        let second = parts[UInt8(ascii: "s")] ?? 0
        guard hour < 24, minute < 60, second < 61 else { return nil }
        return zone.start(of: CivilDate(year: year, month: month, day: day)) + Int64(hour) * Instant.hour + Int64(
            minute) * Instant.minute
            + Int64(second) * Instant.second
    }
}

/// How many values of each inferred field were read as each JSON kind, by field position.
public struct ValueTally: Sendable {
    /// Counts by field position, then by kind.
    var counts: [Int: [ValueReading.Kind: Int]] = [:]

    /// An empty tally.
    public init() {}

    mutating func count(_ value: JSONValue, field: Int) {
        let kind: ValueReading.Kind =
            switch value {
            case .number: .number
            case .bool: .bool
            default: .text
            }
        counts[field, default: [:]][kind, default: 0] += 1
    }
}

/// How the values of one field were read: an import says which columns became numbers, and which
/// mixed numbers with text (aggregates skip text).
public struct ValueReading: Sendable, Equatable {
    /// The kinds a value is read as.
    public enum Kind: String, Sendable {
        case number = "numbers", bool = "true/false values", text = "text values"
    }

    /// The target, for example `properties.revenue`.
    public var target: String
    /// The source, for example "column `dollar_value`".
    public var source: String
    /// Values read as each kind.
    public var counts: [Kind: Int]

    /// A reading from its parts.
    public init(target: String, source: String, counts: [Kind: Int]) {
        self.target = target
        self.source = source
        self.counts = counts
    }

    /// Adds another file's counts for the same field.
    mutating func add(_ other: ValueReading) {
        counts.merge(other.counts, uniquingKeysWith: +)
    }
}

/// A mistake in how an import was asked for (bad `--map`, unreadable file).
public struct ImportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong, naming the option or file.
    public var message: String

    /// An error with a message.
    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
