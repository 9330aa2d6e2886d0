import StrataCore

extension QuarantineEntry {
    /// The entry as `strata quarantine export` and the API give it: `id`, `source`, `index`,
    /// `reason`, `field`, `detail`, `receivedAt`, the bytes as received in `raw` (as text), and in
    /// `message` the JSON they hold when they hold some (edit it and `strata quarantine retry FILE`).
    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "source": .string(source), "index": .number(Double(index)), "reason": .string(reason),
            "field": field.map(JSONValue.string) ?? .null, "detail": .string(detail),
            "receivedAt": .string(Instant.format(receivedAt)), "raw": .string(String(decoding: raw, as: UTF8.self)),
        ]
        if let id { object["id"] = .number(Double(id)) }
        if let message = try? JSONParser.parse(raw) { object["message"] = message }
        return .object(object)
    }
}

extension QuarantineEntry {
    /// Whether bytes as received (an entry's `raw`) name one of the ids: a JSON document holding one as
    /// a string value anywhere (the userId, an anonymousId, a trait), or other text (a delimited row)
    /// holding one as a whole field, quoted or not. Exact equality, so an id never matches inside another.
    public static func names(anyOf ids: Set<String>, in raw: [UInt8]) -> Bool {
        if let document = try? JSONParser.parse(raw) { return Self.holds(document, anyOf: ids) }
        let text = String(decoding: raw, as: UTF8.self)
        return text.split(whereSeparator: { ",;\t\r\n".contains($0) }).contains { field in
            var value = field.drop(while: { $0 == " " })
            while value.last == " " { value = value.dropLast() }
            if value.count >= 2, value.first == "\"", value.last == "\"" { value = value.dropFirst().dropLast() }
            return ids.contains(String(value))
        }
    }

    private static func holds(_ value: JSONValue, anyOf ids: Set<String>) -> Bool {
        switch value {
        case .string(let text): ids.contains(text)
        case .array(let items): items.contains { holds($0, anyOf: ids) }
        case .object(let members): members.values.contains { holds($0, anyOf: ids) }
        default: false
        }
    }
}
