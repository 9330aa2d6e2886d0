extension Message {
    /// The largest message accepted, in bytes of JSON (Segment's limit).
    public static let maxBytes = 32 * 1024

    /// Decodes and validates one message object as real SDKs send it.
    ///
    /// - Parameters:
    ///   - value: the parsed JSON of one message.
    ///   - receivedAt: the instant of receipt, used when the message carries no `receivedAt`.
    ///   - defaultKind: the type implied by the route (`/v1/track`), used when `type` is absent.
    ///   - batch: batch-level fields (`sentAt`, `context`) that apply to messages lacking them.
    public static func decode(
        _ value: JSONValue, receivedAt: Int64, defaultKind: Kind? = nil, batch: [String: JSONValue] = [:]
    ) throws(MessageError) -> Message {
        guard case .object(let object) = value else {
            throw MessageError(.notAnObject, "expected a JSON object, found \(value.typeName)")
        }
        let header = try Header(
            ObjectFields(object: object), batch: ObjectFields(object: batch), receivedAt: receivedAt,
            defaultKind: defaultKind)
        var properties = header.properties ?? [:]
        var traits = header.traits ?? [:]
        var context = header.context
        if let batchContext = batch["context"]?.objectValue {
            context = batchContext.merging(context ?? [:]) { _, own in own }
        }
        if header.kind == .page || header.kind == .screen {
            if let name = header.name { properties["name"] = .string(name) }
            if let category = header.category { properties["category"] = .string(category) }
            if let page = context?["page"]?.objectValue {
                for key in ["path", "url", "title", "referrer"] where properties[key] == nil {
                    if let item = page[key], item != .null { properties[key] = item }
                }
            }
        }
        // SDKs may put traits in context.traits as well; the top-level ones win.
        if header.kind == .identify, traits.isEmpty, let contextTraits = context?["traits"]?.objectValue {
            traits = contextTraits
        }
        return Message(
            kind: header.kind, messageId: header.messageId ?? derivedMessageId(of: object), userId: header.userId,
            anonymousId: header.anonymousId, event: header.event, properties: properties, traits: traits,
            groupId: header.groupId, previousId: header.previousId, timestamp: header.timestamp,
            sentAt: header.sentAt, receivedAt: header.receivedAt, context: context,
            integrations: header.integrations)
    }

    /// A stable id for a message sent without one, derived from its content, so that
    /// importing the same file twice stores it once.
    static func derivedMessageId(of object: [String: JSONValue]) -> String {
        var bytes: [UInt8] = []
        JSONWriter.write(.object(object), into: &bytes)
        return stableId(of: bytes)
    }

    /// A 128-bit content id (`strata-` and 32 hex digits) for bytes.
    public static func stableId(of bytes: [UInt8]) -> String {
        let (a, b) = Hash.hash128(bytes)
        return "strata-" + Hash.hex(a) + Hash.hex(b)
    }

    /// The fields of a parsed message object.
    private struct ObjectFields: FieldReader {
        let object: [String: JSONValue]

        func field(_ key: Key) -> Field<[String: JSONValue]>? { object[key.name].map(Field.init) }
    }
}
