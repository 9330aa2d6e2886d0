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
        let top = ScannedFields(&reader, handing: "batch") { reader in
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
        guard top.field("context") == nil else { return nil }
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
        guard size <= Message.maxBytes, fields.field("batch") == nil,
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
                    if let span = fields.span("properties") {
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

/// The top-level fields of one message object, scanned from its bytes, with every object and array
/// in canonical form.
private struct ScannedFields: Message.FieldReader {
    var keys: [String] = []
    var values: [Message.Field<[UInt8]>] = []
    var spans: [Range<Int>] = []
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
    ///     say whether it could; the key is then not among the fields.
    init?(
        _ reader: inout CanonicalJSON, handing special: String? = nil,
        to hand: (inout CanonicalJSON) -> Bool = { _ in false }
    ) {
        let bytes = reader.bytes
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
            let key = String(
                decoding: UnsafeBufferPointer(rebasing: bytes[keyStart..<reader.index - 1]), as: UTF8.self)
            guard !keys.contains(key), !(handed && key == special) else { return nil }
            reader.skipWhitespace()
            guard reader.index < bytes.count, bytes[reader.index] == UInt8(ascii: ":") else { return nil }
            reader.index += 1
            reader.skipWhitespace()
            guard reader.index < bytes.count else { return nil }
            if key == special {
                guard hand(&reader) else { return nil }
                handed = true
            } else {
                guard let value = Self.value(&reader) else { return nil }
                keys.append(key)
                values.append(value.field)
                spans.append(value.span)
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

    /// Reads the field value at the reader's position, and where it lies.
    private static func value(_ reader: inout CanonicalJSON) -> (field: Message.Field<[UInt8]>, span: Range<Int>)? {
        let bytes = reader.bytes
        let start = reader.index
        let value: Message.Field<[UInt8]>
        switch bytes[start] {
        case UInt8(ascii: "\""):
            guard reader.string(ascii: false) else { return nil }
            value = .string(
                String(decoding: UnsafeBufferPointer(rebasing: bytes[start + 1..<reader.index - 1]), as: UTF8.self))
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            guard case .success(let (number, _)) = reader.number() else { return nil }
            value = .number(number)
        case UInt8(ascii: "n"):
            var discarded: [UInt8] = []
            guard reader.literal("null", into: &discarded) else { return nil }
            value = .null
        case UInt8(ascii: "{"), UInt8(ascii: "["), UInt8(ascii: "t"), UInt8(ascii: "f"):
            var canonical: [UInt8] = []
            guard reader.value(depth: 1, into: &canonical) else { return nil }
            value =
                switch bytes[start] {
                case UInt8(ascii: "{"): .object(canonical)
                case UInt8(ascii: "["): .array
                default: .bool
                }
        default:
            return nil
        }
        return (value, start..<reader.index)
    }

    func field(_ key: String) -> Message.Field<[UInt8]>? {
        keys.firstIndex(of: key).map { values[$0] }
    }

    /// Where a field's value lies in the bytes.
    func span(_ key: String) -> Range<Int>? {
        keys.firstIndex(of: key).map { spans[$0] }
    }
}
