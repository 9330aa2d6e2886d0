extension Message.Header where Object == [UInt8] {
    /// Reads one message straight from its JSON bytes, for bulk imports: its objects come out as
    /// canonical JSON text (``JSONWriter``'s form) instead of dictionaries, and for page and screen
    /// calls properties already hold `name` and `category`, as ``Message/decode(_:receivedAt:defaultKind:batch:)``
    /// sets them.
    ///
    /// Returns nil for every message it leaves to ``MessageDocument/decode(_:receivedAt:defaultKind:)``:
    /// whatever that refuses (so refusals and their reasons have one source), batches, messages over
    /// ``Message/maxBytes``, messages without a messageId, those whose context decodes into properties
    /// or traits, and JSON outside what ``CanonicalJSON`` reads.
    public init?(scanning bytes: UnsafeBufferPointer<UInt8>, receivedAt: Int64) {
        guard let fields = ScannedFields(bytes),
            let header = Self(fields, in: bytes, size: bytes.count, batch: nil, receivedAt, defaultKind: nil)
        else { return nil }
        self = header
    }

    /// Reads every message of a document that holds one message or a batch (`{"batch": [...]}`, as
    /// the tracking API receives them) straight from its bytes, like ``init(scanning:receivedAt:)``;
    /// a batch's `sentAt` applies to its messages that lack one, and `defaultKind` to those without a
    /// `type`.
    ///
    /// Returns nil, for ``MessageDocument/decode(_:receivedAt:defaultKind:)`` to decide, as soon as
    /// one message is one that scanning leaves to it, and for a batch with its own `context` (merged
    /// into every message's context).
    public static func scanning(
        document bytes: UnsafeBufferPointer<UInt8>, receivedAt: Int64, defaultKind: Message.Kind?
    ) -> [Self]? {
        var elements: [(fields: ScannedFields, span: Range<Int>)] = []
        var reader = CanonicalJSON(bytes: bytes, at: 0)
        reader.skipWhitespace()
        let top = ScannedFields(&reader, handing: .batch) { reader in
            guard reader.index < bytes.count, bytes[reader.index] == UInt8(ascii: "[") else { return false }
            reader.index += 1
            reader.skipWhitespace()
            if reader.index < bytes.count, bytes[reader.index] == UInt8(ascii: "]") {
                reader.index += 1
                return true
            }
            while true {
                reader.skipWhitespace()
                let start = reader.index
                guard let fields = ScannedFields(&reader) else { return false }
                elements.append((fields, start..<reader.index))
                reader.skipWhitespace()
                guard reader.index < bytes.count else { return false }
                reader.index += 1
                switch bytes[reader.index - 1] {
                case UInt8(ascii: ","): continue
                case UInt8(ascii: "]"): return true
                default: return false
                }
            }
        }
        reader.skipWhitespace()
        guard let top, reader.index == bytes.count else { return nil }
        guard top.handed else {
            return Self(top, in: bytes, size: bytes.count, batch: nil, receivedAt, defaultKind: defaultKind).map {
                [$0]
            }
        }
        guard top.field(.context) == nil else { return nil }
        var headers: [Self] = []
        headers.reserveCapacity(elements.count)
        for (fields, span) in elements {
            guard
                let header = Self(fields, in: bytes, size: span.count, batch: top, receivedAt, defaultKind: defaultKind)
            else { return nil }
            headers.append(header)
        }
        return headers
    }

    /// The header of one scanned message object whose spans point into `bytes`, or nil when the
    /// message is one that scanning leaves to ``MessageDocument``.
    private init?(
        _ fields: ScannedFields, in bytes: UnsafeBufferPointer<UInt8>, size: Int, batch: ScannedFields?,
        _ receivedAt: Int64, defaultKind: Message.Kind?
    ) {
        guard size <= Message.maxBytes, fields.field(.batch) == nil,
            var header = try? Message.Header(fields, batch: batch, receivedAt: receivedAt, defaultKind: defaultKind),
            header.messageId != nil
        else { return nil }
        switch header.kind {
        case .page, .screen:
            guard header.context == nil else { return nil }
            let extra = [("name", header.name), ("category", header.category)].compactMap { key, value in
                value.map { (key: key, value: $0) }
            }
            if !extra.isEmpty {
                var properties: [UInt8] = []
                let written =
                    if let span = fields.span(.properties) {
                        CanonicalJSON.write(bytes, span: span, setting: extra, into: &properties)
                    } else {
                        [UInt8]("{}".utf8).withUnsafeBufferPointer { empty in
                            CanonicalJSON.write(empty, span: 0..<2, setting: extra, into: &properties)
                        }
                    }
                guard written else { return nil }
                header.properties = properties
            }
        case .identify:
            let traits = header.traits ?? []
            guard header.context == nil || !(traits.isEmpty || traits == [UInt8]("{}".utf8)) else { return nil }
        case .track, .group, .alias:
            break
        }
        self = header
    }
}

/// The top-level fields of one message object, scanned from its bytes: for each key Strata reads
/// (``Message/Key``), what its value is and where it lies, objects in canonical form. The values of
/// other keys are checked, so that scanning refuses what the parser would, but not kept.
private struct ScannedFields: Message.FieldReader {
    /// The kind of one value, and what is kept of it: strings are read from their span when asked for.
    struct Value {
        enum Kind { case null, bool, number, string, array, object }
        var kind = Kind.null
        /// Where the value lies in the bytes, quotes included.
        var span = 0..<0
        var number = 0.0
        /// The canonical form of an object.
        var object: [UInt8] = []
    }

    let bytes: UnsafeBufferPointer<UInt8>
    /// For each key Strata reads (by ``Message/Key`` raw value, one entry per case), its position in
    /// `values` plus one; 0 when absent. Small, so that copying the fields copies no values.
    private var slots = InlineArray<18, UInt8>(repeating: 0)
    private var values: [Value] = []
    /// Where the other keys lie (without quotes), to find one that repeats.
    private var others: [Range<Int>] = []
    /// Whether the key given to the handing initializer was present (and handed over).
    var handed = false

    /// Scans a whole document that holds one object; nil when ``CanonicalJSON`` would not read it all,
    /// or a key repeats.
    init?(_ bytes: UnsafeBufferPointer<UInt8>) {
        var reader = CanonicalJSON(bytes: bytes, at: 0)
        reader.skipWhitespace()
        guard let fields = ScannedFields(&reader) else { return nil }
        reader.skipWhitespace()
        guard reader.index == bytes.count else { return nil }
        self = fields
    }

    /// Scans the object at the reader's position and leaves the reader after it; nil when
    /// ``CanonicalJSON`` would not read it, or a key repeats.
    ///
    /// - Parameters:
    ///   - handing: a key whose value is not read here but handed to `hand`, which must read it and
    ///     say whether it could; the key then has no value here.
    init?(
        _ reader: inout CanonicalJSON, handing special: Message.Key? = nil,
        to hand: (inout CanonicalJSON) -> Bool = { _ in false }
    ) {
        bytes = reader.bytes
        guard reader.index < bytes.count, bytes[reader.index] == UInt8(ascii: "{") else { return nil }
        reader.index += 1
        reader.skipWhitespace()
        if reader.index < bytes.count, bytes[reader.index] == UInt8(ascii: "}") {
            reader.index += 1
            return
        }
        while true {
            reader.skipWhitespace()
            guard reader.index < bytes.count, bytes[reader.index] == UInt8(ascii: "\"") else { return nil }
            let keyStart = reader.index + 1
            guard reader.string(ascii: true) else { return nil }
            let keySpan = keyStart..<reader.index - 1
            let key = Self.key(UnsafeBufferPointer(rebasing: bytes[keySpan]))
            reader.skipWhitespace()
            guard reader.index < bytes.count, bytes[reader.index] == UInt8(ascii: ":") else { return nil }
            reader.index += 1
            reader.skipWhitespace()
            guard reader.index < bytes.count else { return nil }
            if let key, key == special {
                guard !handed, hand(&reader) else { return nil }
                handed = true
            } else if let key {
                guard slots[key.rawValue] == 0, let value = Self.value(&reader) else { return nil }
                values.append(value)
                slots[key.rawValue] = UInt8(values.count)
            } else {
                let name = bytes[keySpan]
                guard !others.contains(where: { bytes[$0].elementsEqual(name) }), Self.value(&reader) != nil
                else { return nil }
                others.append(keySpan)
            }
            reader.skipWhitespace()
            guard reader.index < bytes.count else { return nil }
            reader.index += 1
            switch bytes[reader.index - 1] {
            case UInt8(ascii: ","): continue
            case UInt8(ascii: "}"): return
            default: return nil
            }
        }
    }

    /// The keys Strata reads with their JSON spelling, by the length of that spelling.
    private static let keysByLength: [[(key: Message.Key, name: [UInt8])]] = {
        // `slots` has one entry per key: it must grow with them.
        precondition(Message.Key.allCases.count <= 18, "ScannedFields.slots holds 18 keys")
        let longest = Message.Key.allCases.map(\.name.utf8.count).max() ?? 0
        var table = [[(key: Message.Key, name: [UInt8])]](repeating: [], count: longest + 1)
        for key in Message.Key.allCases { table[key.name.utf8.count].append((key, Array(key.name.utf8))) }
        return table
    }()

    /// The key Strata reads that a key's bytes spell, if any.
    private static func key(_ text: UnsafeBufferPointer<UInt8>) -> Message.Key? {
        guard text.count < keysByLength.count else { return nil }
        candidates: for (key, name) in keysByLength[text.count] {
            for i in 0..<name.count where name[i] != text[i] { continue candidates }
            return key
        }
        return nil
    }

    /// Reads the value at the reader's position.
    private static func value(_ reader: inout CanonicalJSON) -> Value? {
        let bytes = reader.bytes
        var value = Value()
        let start = reader.index
        switch bytes[start] {
        case UInt8(ascii: "\""):
            guard reader.string(ascii: false) else { return nil }
            value.kind = .string
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            guard case .success(let (number, _)) = reader.number() else { return nil }
            value.kind = .number
            value.number = number
        case UInt8(ascii: "n"):
            guard reader.skip("null") else { return nil }
            value.kind = .null
        case UInt8(ascii: "t"), UInt8(ascii: "f"):
            guard reader.skip("true") || reader.skip("false") else { return nil }
            value.kind = .bool
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            guard reader.value(depth: 1, into: &value.object) else { return nil }
            if bytes[start] == UInt8(ascii: "{") {
                value.kind = .object
            } else {
                value.kind = .array
                value.object = []
            }
        default:
            return nil
        }
        value.span = start..<reader.index
        return value
    }

    /// The value under a key, if present.
    private func value(_ key: Message.Key) -> Value? {
        let slot = Int(slots[key.rawValue])
        return slot == 0 ? nil : values[slot - 1]
    }

    func field(_ key: Message.Key) -> Message.Field<[UInt8]>? {
        guard let value = value(key) else { return nil }
        switch value.kind {
        case .null: return .null
        case .bool: return .bool
        case .number: return .number(value.number)
        case .string: return .string(String(decoding: text(value.span), as: UTF8.self))
        case .array: return .array
        case .object: return .object(value.object)
        }
    }

    /// Reads an instant straight from the string's bytes.
    func instant(_ key: Message.Key) throws(MessageError) -> Int64? {
        guard let value = value(key), value.kind == .string else { return try Self.instant(in: field(key), key) }
        guard let instant = Instant.parse(bytes: text(value.span)) else {
            throw Self.invalidInstant(String(decoding: text(value.span), as: UTF8.self), field: key)
        }
        return instant
    }

    /// The bytes of a string value between its quotes.
    private func text(_ span: Range<Int>) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: bytes[span.lowerBound + 1..<span.upperBound - 1])
    }

    /// Where a field's value lies in the bytes.
    func span(_ key: Message.Key) -> Range<Int>? {
        value(key)?.span
    }
}
