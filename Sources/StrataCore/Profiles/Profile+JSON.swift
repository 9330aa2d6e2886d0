extension Profile {
    /// The profile as a JSON object (the shape of `strata profile --format json`).
    public var json: JSONValue {
        let profile = self
        var object: [String: JSONValue] = [
            "id": .string(profile.key),
            "ids": .array(
                profile.ids.map {
                    .object(["id": .string($0.id), "type": .string($0.isUser ? "userId" : "anonymousId")])
                }),
            "traits": .object(profile.traits),
            "eventCounts": .object(profile.eventCounts.mapValues { .number(Double($0)) }),
            "firstSeen": profile.firstSeen.map { .string(Instant.format($0)) } ?? .null,
            "lastSeen": profile.lastSeen.map { .string(Instant.format($0)) } ?? .null,
            "recentEvents": .array(
                profile.recentEvents.map { event in
                    .object([
                        "event": .string(event.event ?? ""), "timestamp": .string(Instant.format(event.time)),
                        "messageId": .string(event.messageId), "properties": .object(event.properties),
                    ])
                }),
            "conflicts": .array(
                profile.conflicts.map {
                    .object([
                        "id": .string($0.id), "refusedUser": .string($0.refusedUser),
                        "keptUser": .string($0.keptUser), "time": .string(Instant.format($0.time)),
                    ])
                }),
        ]
        object["account"] =
            profile.account.map { .object(["id": .string($0), "traits": .object(profile.accountTraits)]) } ?? .null
        return .object(object)
    }
}
