extension Message {
    /// One top-level field of a message as a reader sees it: scalars decoded, objects in the
    /// reader's own form (parsed dictionaries, or spans of raw bytes).
    public enum Field<Object> {
        case null
        case bool
        case number(Double)
        case string(String)
        case array
        case object(Object)

        /// The JSON type name used in error messages ("string", "number", ...).
        public var typeName: String {
            switch self {
            case .null: "null"
            case .bool: "boolean"
            case .number: "number"
            case .string: "string"
            case .array: "array"
            case .object: "object"
            }
        }
    }

    /// The top-level keys of a message that Strata reads; every other top-level key is ignored.
    public enum Key: Int, CaseIterable, Sendable {
        case type, messageId, userId, anonymousId, event, name, category, groupId, previousId
        case timestamp, originalTimestamp, sentAt, receivedAt
        case properties, traits, context, integrations
        case batch

        /// The key as JSON spells it.
        public var name: String { String(describing: self) }
    }

    /// Looks up the top-level fields of one message object.
    public protocol FieldReader {
        /// How the reader keeps object values.
        associatedtype Object

        /// The field under a key, or nil when the key is absent.
        func field(_ key: Key) -> Field<Object>?

        /// The instant a field holds; nil when absent or null. Throws for anything but an ISO 8601
        /// string.
        func instant(_ key: Key) throws(MessageError) -> Int64?
    }

    /// A message's validated top-level fields, with its objects (properties, traits, context,
    /// integrations) left in the reader's form.
    ///
    /// This is where every validation rule of ``Message/decode(_:receivedAt:defaultKind:batch:)``
    /// lives, so each way of reading a message refuses the same messages for the same reasons.
    public struct Header<Object> {
        /// The message type.
        public var kind: Kind
        /// The sent messageId; nil when the message has none and an id must be derived.
        public var messageId: String?
        /// The userId.
        public var userId: String?
        /// The anonymousId.
        public var anonymousId: String?
        /// The event name of track calls, and "Page Viewed" / "Screen Viewed" for page and screen.
        public var event: String?
        /// The groupId of group calls.
        public var groupId: String?
        /// The previousId of alias calls.
        public var previousId: String?
        /// The top-level `name` of page and screen calls.
        public var name: String?
        /// The top-level `category` of page and screen calls.
        public var category: String?
        /// `timestamp`, else `originalTimestamp`.
        public var timestamp: Int64?
        /// The message's own `sentAt`, else the batch's.
        public var sentAt: Int64?
        /// `receivedAt`, else the instant of receipt.
        public var receivedAt: Int64
        /// The `properties` object, if present and not null.
        public var properties: Object?
        /// The `traits` object, if present and not null.
        public var traits: Object?
        /// The message's own `context` object, if present and not null.
        public var context: Object?
        /// The `integrations` object, if present and not null.
        public var integrations: Object?

        /// Reads and validates the top-level fields, in the order that decides which refusal a
        /// message with several faults gets.
        ///
        /// - Parameters:
        ///   - fields: the message's fields.
        ///   - batch: the batch's own fields, whose `sentAt` applies to messages lacking one.
        ///   - receivedAt: the instant of receipt, used when the message carries no `receivedAt`.
        ///   - defaultKind: the type implied by the route, used when `type` is absent.
        public init<Reader: FieldReader>(
            _ fields: Reader, batch: Reader?, receivedAt: Int64, defaultKind: Kind?
        ) throws(MessageError) where Reader.Object == Object {
            switch fields.field(.type) {
            case .string(let name):
                guard let known = Kind(rawValue: name.lowercased()) else {
                    let names = Kind.allCases.map(\.rawValue).joined(separator: ", ")
                    throw MessageError(
                        .unknownType, field: Key.type.name, "unknown type \"\(name)\", expected one of \(names)")
                }
                kind = known
            case nil, .null:
                guard let defaultKind else {
                    throw MessageError(
                        .unknownType, field: Key.type.name, "missing type, expected track, identify, page, ...")
                }
                kind = defaultKind
            case .some(let other):
                throw MessageError(.wrongType, field: Key.type.name, "expected a string, found \(other.typeName)")
            }
            userId = try fields.id(.userId)
            anonymousId = try fields.id(.anonymousId)
            let explicitTimestamp = try fields.instant(.timestamp)
            let originalTimestamp = try fields.instant(.originalTimestamp)
            timestamp = explicitTimestamp ?? originalTimestamp
            let ownSentAt = try fields.instant(.sentAt)
            let batchSentAt = try batch?.instant(.sentAt)
            sentAt = ownSentAt ?? batchSentAt
            self.receivedAt = try fields.instant(.receivedAt) ?? receivedAt
            properties = try fields.object(.properties)
            traits = try fields.object(.traits)
            context = try fields.object(.context)
            integrations = try fields.object(.integrations)

            switch kind {
            case .track:
                guard let name = try fields.string(.event), !name.isEmpty else {
                    throw MessageError(.missingEvent, field: Key.event.name, "a track call needs an event name")
                }
                event = name
            case .page, .screen:
                event = kind == .page ? "Page Viewed" : "Screen Viewed"
                name = try fields.string(.name)
                category = try fields.string(.category)
            case .identify:
                break
            case .group:
                guard let id = try fields.id(.groupId) else {
                    throw MessageError(.missingGroupId, field: Key.groupId.name, "a group call needs a groupId")
                }
                groupId = id
            case .alias:
                guard let id = try fields.id(.previousId) else {
                    throw MessageError(
                        .missingPreviousId, field: Key.previousId.name, "an alias call needs a previousId")
                }
                guard userId != nil else {
                    throw MessageError(.missingId, field: Key.userId.name, "an alias call needs the userId to link to")
                }
                previousId = id
            }
            if userId == nil && anonymousId == nil {
                throw MessageError(.missingId, field: Key.userId.name, "either userId or anonymousId is required")
            }
            messageId = try fields.id(.messageId)
        }
    }
}

extension Message.FieldReader {
    /// An id: strings as sent, whole numbers printed without a fraction; null or "" is absent.
    func id(_ key: Message.Key) throws(MessageError) -> String? {
        switch field(key) {
        case nil, .null: return nil
        case .string(let s):
            // A line break in an id would split a line of `strata messages --ids-only` or of a CSV.
            if s.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
                throw MessageError(
                    .invalidId, field: key.name, "expected an id without control characters (line breaks, tabs)")
            }
            return s.isEmpty ? nil : s
        case .number(let n):
            var out: [UInt8] = []
            JSONWriter.writeNumber(n, into: &out)
            return String(decoding: out, as: UTF8.self)
        case .some(let other):
            throw MessageError(.wrongType, field: key.name, "expected a string, found \(other.typeName)")
        }
    }

    func string(_ key: Message.Key) throws(MessageError) -> String? {
        switch field(key) {
        case nil, .null: return nil
        case .string(let s): return s
        case .some(let other):
            throw MessageError(.wrongType, field: key.name, "expected a string, found \(other.typeName)")
        }
    }

    func object(_ key: Message.Key) throws(MessageError) -> Object? {
        switch field(key) {
        case nil, .null: return nil
        case .object(let o): return o
        case .some(let other):
            throw MessageError(.wrongType, field: key.name, "expected an object, found \(other.typeName)")
        }
    }

    public func instant(_ key: Message.Key) throws(MessageError) -> Int64? {
        try Self.instant(in: field(key), key)
    }

    /// The instant a field holds, for ``instant(_:)``.
    static func instant(in field: Message.Field<Object>?, _ key: Message.Key) throws(MessageError) -> Int64? {
        switch field {
        case nil, .null: return nil
        case .string(let s):
            guard let ms = Instant.parse(s) else { throw Self.invalidInstant(s, field: key) }
            return ms
        case .some(let other):
            throw MessageError(.wrongType, field: key.name, "expected an ISO 8601 string, found \(other.typeName)")
        }
    }

    /// The refusal of a string that is not an ISO 8601 instant.
    static func invalidInstant(_ text: String, field key: Message.Key) -> MessageError {
        MessageError(
            .invalidTimestamp, field: key.name,
            "cannot read \"\(text.prefix(40))\" as an ISO 8601 instant such as 2026-06-30T12:00:00.000Z")
    }
}

extension Message.Field where Object == [String: JSONValue] {
    /// The field for a parsed value.
    public init(_ value: JSONValue) {
        switch value {
        case .null: self = .null
        case .bool: self = .bool
        case .number(let n): self = .number(n)
        case .string(let s): self = .string(s)
        case .array: self = .array
        case .object(let o): self = .object(o)
        }
    }
}
