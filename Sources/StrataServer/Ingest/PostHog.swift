import StrataCore

/// Translates PostHog capture events into the Segment-spec messages they mean.
///
/// PostHog sends every call as an event with a `distinct_id`: special event names carry identity
/// calls (`$identify`, `$set`, `$create_alias`, `$groupidentify`), `$pageview` and `$screen` are page
/// and screen calls, and `$set` inside an ordinary event's properties also sets traits. The event's
/// `uuid` becomes the message id, so a retried batch is stored once.
enum PostHog {
    /// The messages one event stands for (two when it also identifies), or why it was refused.
    static func messages(from value: JSONValue, receivedAt: Int64) -> Result<[Message], MessageError> {
        do throws(MessageError) {
            var messages: [Message] = []
            for object in try translate(value) {
                messages.append(try Message.decode(.object(object), receivedAt: receivedAt))
            }
            return .success(messages)
        } catch {
            return .failure(error)
        }
    }

    /// Segment-shaped message objects for one event.
    static func translate(_ value: JSONValue) throws(MessageError) -> [[String: JSONValue]] {
        guard case .object(let event) = value else {
            throw MessageError(.notAnObject, "expected a JSON object, found \(value.typeName)")
        }
        let name: String
        switch event["event"] {
        case .string(let text) where !text.isEmpty: name = text
        case nil, .null, .string:
            throw MessageError(.missingEvent, field: "event", "a PostHog event needs an event name")
        case .some(let other):
            throw MessageError(.wrongType, field: "event", "expected a string, found \(other.typeName)")
        }
        var properties: [String: JSONValue] = [:]
        switch event["properties"] {
        case nil, .null: break
        case .object(let object): properties = object
        case .some(let other):
            throw MessageError(.wrongType, field: "properties", "expected an object, found \(other.typeName)")
        }
        var base: [String: JSONValue] = ["userId": event["distinct_id"] ?? .null]
        for (from, to) in [("uuid", "messageId"), ("timestamp", "timestamp")] {
            if let item = event[from] { base[to] = item }
        }
        if base["timestamp"] == nil, let sent = event["sent_at"] { base["timestamp"] = sent }
        let messageId = event["uuid"]?.stringValue
        func derived(_ suffix: String) -> JSONValue { messageId.map { .string($0 + suffix) } ?? .null }
        func traits(from object: [String: JSONValue]) -> JSONValue {
            let once = object["$set_once"]?.objectValue ?? [:]
            let set = object["$set"]?.objectValue ?? [:]
            return .object(once.merging(set) { _, newer in newer })
        }

        var message = base
        var extra: [[String: JSONValue]] = []
        switch name {
        case "$identify", "$set":
            message["type"] = .string("identify")
            message["traits"] = traits(from: event.merging(properties) { _, own in own })
            if case .string(let anonymous) = properties["$anon_distinct_id"], !anonymous.isEmpty,
                .string(anonymous) != base["userId"]
            {
                var alias = base
                alias["type"] = .string("alias")
                alias["previousId"] = .string(anonymous)
                alias["messageId"] = derived(":alias")
                extra.append(alias)
            }
        case "$create_alias":
            message["type"] = .string("alias")
            message["previousId"] = base["userId"]
            message["userId"] = properties["alias"] ?? .null
        case "$groupidentify":
            message["type"] = .string("group")
            message["groupId"] = properties["$group_key"] ?? .null
            message["traits"] = properties["$group_set"] ?? .null
        case "$pageview":
            message["type"] = .string("page")
            properties["url"] = properties["url"] ?? properties["$current_url"]
            properties["path"] = properties["path"] ?? properties["$pathname"]
            message["name"] = properties["title"] ?? properties["$title"] ?? .null
            message["properties"] = .object(properties)
        case "$screen":
            message["type"] = .string("screen")
            message["name"] = properties["$screen_name"] ?? .null
            message["properties"] = .object(properties)
        default:
            message["type"] = .string("track")
            message["event"] = .string(name)
            message["properties"] = .object(properties)
            if properties["$set"] != nil || properties["$set_once"] != nil {
                var identify = base
                identify["type"] = .string("identify")
                identify["traits"] = traits(from: properties)
                identify["messageId"] = derived(":set")
                extra.append(identify)
            }
        }
        return [message] + extra
    }
}
