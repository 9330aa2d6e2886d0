extension Message {
    /// The message as a tracking-spec JSON object, which ``decode(_:receivedAt:defaultKind:batch:)``
    /// reads back as the same message: instants as ISO 8601 text, absent fields and empty properties
    /// or traits left out (the shape of `strata messages`).
    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "type": .string(kind.rawValue), "messageId": .string(messageId),
            "receivedAt": .string(Instant.format(receivedAt)),
        ]
        let texts = [
            ("userId", userId), ("anonymousId", anonymousId), ("event", event), ("groupId", groupId),
            ("previousId", previousId), ("timestamp", timestamp.map(Instant.format)),
            ("sentAt", sentAt.map(Instant.format)),
        ]
        for case (let key, let text?) in texts { object[key] = .string(text) }
        let (payloadKey, payload) = kind.isEvent ? ("properties", properties) : ("traits", traits)
        if !payload.isEmpty { object[payloadKey] = .object(payload) }
        if let context { object["context"] = .object(context) }
        if let integrations { object["integrations"] = .object(integrations) }
        return .object(object)
    }
}
