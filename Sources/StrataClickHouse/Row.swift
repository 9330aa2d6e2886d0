import StrataCore

/// The row of the messages table (``Schema``) a stored message becomes.
struct Row {
    /// Value type codes of the `types` column.
    enum TypeCode {
        /// Absent (what indexing a key that is not there gives).
        static let absent = 0
        /// A number, in `nums`.
        static let number = 1
        /// A string, in `strs`.
        static let string = 2
        /// A bool, in `nums` as 0 or 1.
        static let bool = 3
        /// JSON null: missing.
        static let null = 4
        /// An array or an object, its canonical JSON in `strs` (``StrataCore/JSONWriter``).
        static let other = 5
    }

    /// Joins the keys of a nested property path in the `keys` column.
    static let pathSeparator = "\u{1F}"

    /// The node of a message's ids: `u` + userId, else `a` + anonymousId; nil without either.
    static func node(userId: String?, anonymousId: String?) -> String? {
        if let userId { return "u" + userId }
        return anonymousId.map { "a" + $0 }
    }

    /// The JSONEachRow object of a message stored at a sequence, or nil for a message with no id to
    /// key it by; `shardKey` is its canonical profile id as the shipper knows it.
    static func json(_ message: Message, sequence: Int64, shardKey: String) -> JSONValue? {
        guard let node = node(userId: message.userId, anonymousId: message.anonymousId) else { return nil }
        var keys: [JSONValue] = []
        var types: [JSONValue] = []
        var nums: [JSONValue] = []
        var strs: [JSONValue] = []
        func add(_ path: String, _ value: JSONValue) {
            keys.append(.string(path))
            switch value {
            case .number(let n):
                types.append(.number(Double(TypeCode.number)))
                nums.append(.number(n))
                strs.append(.string(""))
            case .string(let s):
                types.append(.number(Double(TypeCode.string)))
                nums.append(.number(0))
                strs.append(.string(s))
            case .bool(let b):
                types.append(.number(Double(TypeCode.bool)))
                nums.append(.number(b ? 1 : 0))
                strs.append(.string(""))
            case .null:
                types.append(.number(Double(TypeCode.null)))
                nums.append(.number(0))
                strs.append(.string(""))
            case .array, .object:
                types.append(.number(Double(TypeCode.other)))
                nums.append(.number(0))
                strs.append(.string(JSONWriter.string(value)))
            }
        }
        // Properties: every path down nested objects. Traits (of users or accounts): the top-level
        // keys, which latest-wins is decided by.
        func flatten(_ object: [String: JSONValue], prefix: String) {
            for (key, value) in object.sorted(by: { $0.key < $1.key }) {
                let path = prefix.isEmpty ? key : prefix + pathSeparator + key
                add(path, value)
                if case .object(let inner) = value { flatten(inner, prefix: path) }
            }
        }
        var name = ""
        if message.kind.isEvent {
            name =
                message.event
                ?? (message.kind == .page ? "Page Viewed" : message.kind == .screen ? "Screen Viewed" : "")
            flatten(message.properties, prefix: "")
        } else if message.kind == .identify || message.kind == .group {
            for (key, value) in message.traits.sorted(by: { $0.key < $1.key }) { add(key, value) }
        }
        return .object([
            "node": .string(node),
            "shard_key": .string(shardKey),
            "user_id": .string(message.userId ?? ""),
            "anonymous_id": .string(message.anonymousId ?? ""),
            "previous_id": .string(message.previousId ?? ""),
            "group_id": .string(message.groupId ?? ""),
            "message_id": .string(message.messageId),
            "seq": .number(Double(sequence)),
            "kind": .number(Double(message.kind.code)),
            "time": .number(Double(message.time)),
            "received_at": .number(Double(message.receivedAt)),
            "name": .string(name),
            "keys": .array(keys),
            "types": .array(types),
            "nums": .array(nums),
            "strs": .array(strs),
        ])
    }
}
