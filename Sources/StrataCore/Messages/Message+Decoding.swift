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
        let fields = Fields(object: object)
        let kind: Kind
        switch object["type"] {
        case .string(let name):
            guard let known = Kind(rawValue: name.lowercased()) else {
                let names = Kind.allCases.map(\.rawValue).joined(separator: ", ")
                throw MessageError(.unknownType, field: "type", "unknown type \"\(name)\", expected one of \(names)")
            }
            kind = known
        case nil, .null:
            guard let defaultKind else {
                throw MessageError(.unknownType, field: "type", "missing type, expected track, identify, page, ...")
            }
            kind = defaultKind
        case .some(let other):
            throw MessageError(.wrongType, field: "type", "expected a string, found \(other.typeName)")
        }

        let userId = try fields.id("userId")
        let anonymousId = try fields.id("anonymousId")
        let explicitTimestamp = try fields.instant("timestamp")
        let originalTimestamp = try fields.instant("originalTimestamp")
        let timestamp = explicitTimestamp ?? originalTimestamp
        let ownSentAt = try fields.instant("sentAt")
        let batchSentAt = try Fields(object: batch).instant("sentAt")
        let sentAt = ownSentAt ?? batchSentAt
        let received = try fields.instant("receivedAt") ?? receivedAt
        var properties = try fields.object("properties") ?? [:]
        var traits = try fields.object("traits") ?? [:]
        var context = try fields.object("context")
        if let batchContext = batch["context"]?.objectValue {
            context = batchContext.merging(context ?? [:]) { _, own in own }
        }
        let integrations = try fields.object("integrations")

        var event: String?
        var groupId: String?
        var previousId: String?
        switch kind {
        case .track:
            guard let name = try fields.string("event"), !name.isEmpty else {
                throw MessageError(.missingEvent, field: "event", "a track call needs an event name")
            }
            event = name
        case .page, .screen:
            event = kind == .page ? "Page Viewed" : "Screen Viewed"
            if let name = try fields.string("name") { properties["name"] = .string(name) }
            if let category = try fields.string("category") { properties["category"] = .string(category) }
            if let page = context?["page"]?.objectValue {
                for key in ["path", "url", "title", "referrer"] where properties[key] == nil {
                    if let item = page[key], item != .null { properties[key] = item }
                }
            }
        case .identify:
            break
        case .group:
            guard let id = try fields.id("groupId") else {
                throw MessageError(.missingGroupId, field: "groupId", "a group call needs a groupId")
            }
            groupId = id
        case .alias:
            guard let id = try fields.id("previousId") else {
                throw MessageError(.missingPreviousId, field: "previousId", "an alias call needs a previousId")
            }
            guard userId != nil else {
                throw MessageError(.missingId, field: "userId", "an alias call needs the userId to link to")
            }
            previousId = id
        }
        if userId == nil && anonymousId == nil {
            throw MessageError(.missingId, field: "userId", "either userId or anonymousId is required")
        }
        if kind == .identify || kind == .group {
            // SDKs may put traits in context.traits as well; the top-level ones win.
            if let contextTraits = context?["traits"]?.objectValue, traits.isEmpty, kind == .identify {
                traits = contextTraits
            }
        }

        let messageId = try fields.id("messageId") ?? derivedMessageId(of: object)
        return Message(
            kind: kind, messageId: messageId, userId: userId, anonymousId: anonymousId, event: event,
            properties: properties, traits: traits, groupId: groupId, previousId: previousId,
            timestamp: timestamp, sentAt: sentAt, receivedAt: received, context: context,
            integrations: integrations)
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

    /// Reads typed fields out of a message object, naming the field in errors.
    private struct Fields {
        let object: [String: JSONValue]

        /// An id: strings as sent, whole numbers printed without a fraction; null or "" is absent.
        func id(_ key: String) throws(MessageError) -> String? {
            switch object[key] {
            case nil, .null: return nil
            case .string(let s): return s.isEmpty ? nil : s
            case .number(let n):
                var out: [UInt8] = []
                JSONWriter.writeNumber(n, into: &out)
                return String(decoding: out, as: UTF8.self)
            case .some(let other):
                throw MessageError(.wrongType, field: key, "expected a string, found \(other.typeName)")
            }
        }

        func string(_ key: String) throws(MessageError) -> String? {
            switch object[key] {
            case nil, .null: return nil
            case .string(let s): return s
            case .some(let other):
                throw MessageError(.wrongType, field: key, "expected a string, found \(other.typeName)")
            }
        }

        func object(_ key: String) throws(MessageError) -> [String: JSONValue]? {
            switch object[key] {
            case nil, .null: return nil
            case .object(let o): return o
            case .some(let other):
                throw MessageError(.wrongType, field: key, "expected an object, found \(other.typeName)")
            }
        }

        func instant(_ key: String) throws(MessageError) -> Int64? {
            switch object[key] {
            case nil, .null: return nil
            case .string(let s):
                guard let ms = Instant.parse(s) else {
                    throw MessageError(
                        .invalidTimestamp, field: key,
                        "cannot read \"\(s.prefix(40))\" as an ISO 8601 instant such as 2026-06-30T12:00:00.000Z")
                }
                return ms
            case .some(let other):
                throw MessageError(.wrongType, field: key, "expected an ISO 8601 string, found \(other.typeName)")
            }
        }
    }
}
