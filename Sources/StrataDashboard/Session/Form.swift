/// The fields of a form as browsers post it (`application/x-www-form-urlencoded`).
public enum Form {
    /// The fields by name, `+` read as a space and percent-escapes decoded; the last of a repeated
    /// field wins, and a field that is not valid UTF-8 once decoded is left out.
    public static func fields(_ body: [UInt8]) -> [String: String] {
        values(body).compactMapValues(\.last)
    }

    /// Every value of each field, in order, read as ``fields(_:)`` reads them: the query of a form sent
    /// with GET, whose fields may repeat.
    public static func values(_ body: [UInt8]) -> [String: [String]] {
        var values: [String: [String]] = [:]
        for pair in body.split(separator: UInt8(ascii: "&")) {
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = decode(parts[0]), let value = parts.count > 1 ? decode(parts[1]) : "" else { continue }
            values[name, default: []].append(value)
        }
        return values
    }

    private static func decode(_ bytes: ArraySlice<UInt8>) -> String? {
        var out: [UInt8] = []
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "+") {
                out.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), index + 2 < bytes.endIndex,
                let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2])
            {
                out.append(high << 4 | low)
                index += 2
            } else {
                out.append(byte)
            }
            index += 1
        }
        return String(validating: out, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
