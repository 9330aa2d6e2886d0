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
        guard bytes.count <= Message.maxBytes, let fields = ScannedFields(bytes),
            fields.field("batch") == nil,
            var header = try? Message.Header(fields, batch: nil, receivedAt: receivedAt, defaultKind: nil),
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

    /// Scans a whole document that holds one object; nil when ``CanonicalJSON`` would not read it all,
    /// or a key repeats.
    init?(_ bytes: UnsafeBufferPointer<UInt8>) {
        var reader = CanonicalJSON(bytes: bytes, at: 0)
        reader.skipWhitespace()
        guard reader.index < bytes.count, bytes[reader.index] == UInt8(ascii: "{") else { return nil }
        reader.index += 1
        reader.skipWhitespace()
        if reader.index < bytes.count, bytes[reader.index] == UInt8(ascii: "}") {
            reader.index += 1
        } else {
            while true {
                reader.skipWhitespace()
                guard reader.index < bytes.count, bytes[reader.index] == UInt8(ascii: "\"") else { return nil }
                let keyStart = reader.index + 1
                guard reader.string(ascii: true) else { return nil }
                let key = String(
                    decoding: UnsafeBufferPointer(rebasing: bytes[keyStart..<reader.index - 1]), as: UTF8.self)
                guard !keys.contains(key) else { return nil }
                reader.skipWhitespace()
                guard reader.index < bytes.count, bytes[reader.index] == UInt8(ascii: ":") else { return nil }
                reader.index += 1
                reader.skipWhitespace()
                guard reader.index < bytes.count else { return nil }
                let start = reader.index
                let value: Message.Field<[UInt8]>
                switch bytes[start] {
                case UInt8(ascii: "\""):
                    guard reader.string(ascii: false) else { return nil }
                    value = .string(
                        String(
                            decoding: UnsafeBufferPointer(rebasing: bytes[start + 1..<reader.index - 1]), as: UTF8.self)
                    )
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
                keys.append(key)
                values.append(value)
                spans.append(start..<reader.index)
                reader.skipWhitespace()
                guard reader.index < bytes.count else { return nil }
                if bytes[reader.index] == UInt8(ascii: ",") {
                    reader.index += 1
                } else if bytes[reader.index] == UInt8(ascii: "}") {
                    reader.index += 1
                    break
                } else {
                    return nil
                }
            }
        }
        reader.skipWhitespace()
        guard reader.index == bytes.count else { return nil }
    }

    func field(_ key: String) -> Message.Field<[UInt8]>? {
        keys.firstIndex(of: key).map { values[$0] }
    }

    /// Where a field's value lies in the bytes.
    func span(_ key: String) -> Range<Int>? {
        keys.firstIndex(of: key).map { spans[$0] }
    }
}
