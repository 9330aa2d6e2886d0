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
