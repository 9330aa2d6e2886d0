import StrataCore

/// The `writeKey` body field of analytics.js: a page cannot give `navigator.sendBeacon` an
/// `Authorization` header, so analytics.js puts the write key in every message it sends. The field is
/// taken out of the document before its messages are read, so that no stored message, quarantined
/// message or derived message id holds the key.
enum WriteKeyField {
    /// The field's name.
    static let name = "writeKey"

    /// The string values of `writeKey` in a document (at its top, and in each message of a batch) and
    /// the document without the field. A document that does not hold the name, or is not a JSON object,
    /// comes back as it is.
    static func take(from bytes: [UInt8]) -> (keys: Set<String>, document: [UInt8]) {
        guard bytes.firstRange(of: Array("\"\(name)\"".utf8)) != nil,
            case .object(var object)? = try? JSONParser.parse(bytes)
        else { return ([], bytes) }
        var keys: Set<String> = []
        func removeKey(from object: inout [String: JSONValue]) {
            if case .string(let key)? = object.removeValue(forKey: name) { keys.insert(key) }
        }
        removeKey(from: &object)
        if case .array(var messages)? = object["batch"] {
            for index in messages.indices {
                guard case .object(var message) = messages[index] else { continue }
                removeKey(from: &message)
                messages[index] = .object(message)
            }
            object["batch"] = .array(messages)
        }
        var document: [UInt8] = []
        JSONWriter.write(.object(object), into: &document)
        return (keys, document)
    }
}
