import GRDB
import StrataCore

extension Message {
    /// A message from the columns a store keeps (see ``StoredMessage``), its payload and extra given as
    /// their canonical JSON bytes. Without `includingContext`, context and integrations are left out;
    /// with `payloadKeys`, properties and traits keep only those keys (and are not even read when it
    /// is empty).
    init(
        stored kind: Message.Kind, messageId: String, userId: String?, anonymousId: String?, event: String?,
        groupId: String?, previousId: String?, timestamp: Int64?, sentAt: Int64?, receivedAt: Int64,
        payload: UnsafeBufferPointer<UInt8>?, extra: UnsafeBufferPointer<UInt8>?, includingContext: Bool,
        payloadKeys: Set<String>?
    ) throws {
        func object(_ bytes: UnsafeBufferPointer<UInt8>?, keeping keys: Set<String>?) throws -> [String: JSONValue] {
            guard let bytes else { return [:] }
            if let keys {
                if keys.isEmpty { return [:] }
                return try JSONParser.parseObject(bytes, keeping: keys)
            }
            guard case .object(let object) = try JSONParser.parse(bytes) else {
                throw DatabaseError(message: "stored JSON is not an object")
            }
            return object
        }
        let payload = try object(payload, keeping: payloadKeys)
        let extra = includingContext ? try object(extra, keeping: nil) : [:]
        self.init(
            kind: kind, messageId: messageId, userId: userId, anonymousId: anonymousId, event: event,
            properties: kind.isEvent ? payload : [:], traits: kind.isEvent ? [:] : payload, groupId: groupId,
            previousId: previousId, timestamp: timestamp, sentAt: sentAt, receivedAt: receivedAt,
            context: extra["context"]?.objectValue, integrations: extra["integrations"]?.objectValue)
    }
}

extension StoredMessage {
    /// The message this stored form holds, read as a store reads its records back (see
    /// ``Message/init(stored:messageId:userId:anonymousId:event:groupId:previousId:timestamp:sentAt:receivedAt:payload:extra:includingContext:payloadKeys:)``).
    public func message(includingContext: Bool, payloadKeys: Set<String>?) throws -> Message {
        try (payload ?? []).withUnsafeBufferPointer { payloadBytes in
            try (extra ?? []).withUnsafeBufferPointer { extraBytes in
                try Message(
                    stored: kind, messageId: messageId, userId: userId, anonymousId: anonymousId, event: event,
                    groupId: groupId, previousId: previousId, timestamp: timestamp, sentAt: sentAt,
                    receivedAt: receivedAt, payload: payload == nil ? nil : payloadBytes,
                    extra: extra == nil ? nil : extraBytes, includingContext: includingContext,
                    payloadKeys: payloadKeys)
            }
        }
    }
}
