import StrataCore

/// A message in the form the store writes it: its fields, its properties or traits and its context
/// as canonical JSON, and its content hash, all worked out before the writer needs them.
public struct StoredMessage: Sendable, Equatable {
    /// The message type.
    public var kind: Message.Kind
    /// The message id.
    public var messageId: String
    /// The userId.
    public var userId: String?
    /// The anonymousId.
    public var anonymousId: String?
    /// The event name.
    public var event: String?
    /// The groupId of group calls.
    public var groupId: String?
    /// The previousId of alias calls.
    public var previousId: String?
    /// When the event happened, per the client.
    public var timestamp: Int64?
    /// When the client sent the message.
    public var sentAt: Int64?
    /// When Strata received the message.
    public var receivedAt: Int64
    /// Properties for events, traits for identify and group, as canonical JSON; nil when empty.
    public var payload: [UInt8]?
    /// Context and integrations as one canonical JSON object; nil when both are absent.
    public var extra: [UInt8]?
    /// A hash of what the message says, without the delivery fields (sentAt, receivedAt, context)
    /// that retries may change: equal hashes mean a true re-send.
    public var contentHash: Int64

    /// Event time: the timestamp, else the time it was received.
    public var time: Int64 { timestamp ?? receivedAt }

    /// The stored form of a decoded message.
    public init(_ message: Message) {
        let object = message.kind.isEvent ? message.properties : message.traits
        var extra: [String: JSONValue] = [:]
        if let context = message.context { extra["context"] = .object(context) }
        if let integrations = message.integrations { extra["integrations"] = .object(integrations) }
        self.init(
            kind: message.kind, messageId: message.messageId, userId: message.userId,
            anonymousId: message.anonymousId, event: message.event, groupId: message.groupId,
            previousId: message.previousId, timestamp: message.timestamp, sentAt: message.sentAt,
            receivedAt: message.receivedAt, payload: object.isEmpty ? nil : Self.json(.object(object)),
            extra: extra.isEmpty ? nil : Self.json(.object(extra)))
    }

    /// The stored form of one message read straight from its JSON bytes by
    /// ``Message/Header/init(scanning:receivedAt:)``: the same columns as from the decoded message,
    /// without building it. Nil for every message that scanning leaves to ``MessageDocument``.
    public init?(scanning bytes: UnsafeBufferPointer<UInt8>, receivedAt: Int64) {
        guard let header = Message.Header(scanning: bytes, receivedAt: receivedAt) else { return nil }
        self.init(scanned: header)
    }

    /// The stored forms of the messages of a document holding one message or a batch, read by
    /// ``Message/Header/scanning(document:receivedAt:defaultKind:)``; nil when that leaves the
    /// document to ``MessageDocument``.
    public static func scanning(
        document bytes: UnsafeBufferPointer<UInt8>, receivedAt: Int64, defaultKind: Message.Kind?
    ) -> [StoredMessage]? {
        Message.Header.scanning(document: bytes, receivedAt: receivedAt, defaultKind: defaultKind)?.map {
            StoredMessage(scanned: $0)
        }
    }

    /// The stored form of a scanned header, which always carries its messageId.
    private init(scanned header: Message.Header<[UInt8]>) {
        let object = (header.kind.isEvent ? header.properties : header.traits) ?? []
        var extra: [UInt8]?
        if header.context != nil || header.integrations != nil {
            // Canonical JSON of {"context": ..., "integrations": ...}: the keys are in order.
            var bytes = [UInt8]("{".utf8)
            if let context = header.context { bytes += "\"context\":".utf8 + context }
            if let integrations = header.integrations {
                if header.context != nil { bytes.append(UInt8(ascii: ",")) }
                bytes += "\"integrations\":".utf8 + integrations
            }
            bytes.append(UInt8(ascii: "}"))
            extra = bytes
        }
        self.init(
            kind: header.kind, messageId: header.messageId ?? "", userId: header.userId,
            anonymousId: header.anonymousId,
            event: header.event, groupId: header.groupId, previousId: header.previousId,
            timestamp: header.timestamp, sentAt: header.sentAt, receivedAt: header.receivedAt,
            payload: object.isEmpty || object == Self.emptyObject ? nil : object, extra: extra)
    }

    private init(
        kind: Message.Kind, messageId: String, userId: String?, anonymousId: String?, event: String?,
        groupId: String?, previousId: String?, timestamp: Int64?, sentAt: Int64?, receivedAt: Int64,
        payload: [UInt8]?, extra: [UInt8]?
    ) {
        // Each part, then 1 when it is absent and 0 when present.
        var hasher = Hash.Hasher128()
        func add(_ part: String?) {
            if let part { hasher.add(part) }
            hasher.add(part == nil ? 1 : 0)
        }
        add(messageId)
        add(kind.rawValue)
        add(userId)
        add(anonymousId)
        add(event)
        add(groupId)
        add(previousId)
        add(timestamp.map { String($0) })
        if let payload { hasher.add(payload) }
        hasher.add(payload == nil ? 1 : 0)
        self.init(
            kind: kind, messageId: messageId, userId: userId, anonymousId: anonymousId, event: event,
            groupId: groupId, previousId: previousId, timestamp: timestamp, sentAt: sentAt, receivedAt: receivedAt,
            payload: payload, extra: extra, contentHash: Int64(bitPattern: hasher.finish().0))
    }

    /// A stored form with every column given, as a store read it back.
    init(
        kind: Message.Kind, messageId: String, userId: String?, anonymousId: String?, event: String?,
        groupId: String?, previousId: String?, timestamp: Int64?, sentAt: Int64?, receivedAt: Int64,
        payload: [UInt8]?, extra: [UInt8]?, contentHash: Int64
    ) {
        self.kind = kind
        self.messageId = messageId
        self.userId = userId
        self.anonymousId = anonymousId
        self.event = event
        self.groupId = groupId
        self.previousId = previousId
        self.timestamp = timestamp
        self.sentAt = sentAt
        self.receivedAt = receivedAt
        self.payload = payload
        self.extra = extra
        self.contentHash = contentHash
    }

    private static let emptyObject = [UInt8]("{}".utf8)

    private static func json(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(128)
        JSONWriter.write(value, into: &out)
        return out
    }
}
