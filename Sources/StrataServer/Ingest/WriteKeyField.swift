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
        guard holdsName(bytes), case .object(var object)? = try? JSONParser.parse(bytes)
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

    /// The field's name in quotes, as bytes.
    private static let quotedName = Array("\"\(name)\"".utf8)

    /// Whether the bytes hold the quoted name anywhere: a plain scan from each quote, since every request
    /// body goes through it (the standard library's generic search took 3.5% of the server's time).
    static func holdsName(_ bytes: [UInt8]) -> Bool {
        let needle = quotedName
        return bytes.withUnsafeBufferPointer { haystack in
            guard haystack.count >= needle.count else { return false }
            var index = 0
            let last = haystack.count - needle.count
            while index <= last {
                if haystack[index] == UInt8(ascii: "\""), haystack[index + 1] == needle[1] {
                    var matched = 2
                    while matched < needle.count, haystack[index + matched] == needle[matched] { matched += 1 }
                    if matched == needle.count { return true }
                }
                index += 1
            }
            return false
        }
    }
}
