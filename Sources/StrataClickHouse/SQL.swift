/// Literals of ClickHouse SQL.
enum SQL {
    /// A string literal: single quotes, with backslash escapes for quotes, backslashes and control bytes.
    static func string(_ text: String) -> String {
        var out = "'"
        for scalar in text.unicodeScalars {
            switch scalar {
            case "'": out += "\\'"
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case "\0": out += "\\0"
            default:
                if scalar.value < 0x20 {
                    out += "\\x" + String(scalar.value, radix: 16).leftPadded(to: 2)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "'"
    }

    /// A Float64 literal (finite numbers only, as definitions hold).
    static func number(_ value: Double) -> String {
        "toFloat64(\(value.description))"
    }

    /// An Int64 literal.
    static func integer(_ value: Int64) -> String {
        "toInt64(\(value))"
    }

    /// An array of string literals, typed so that it may be empty.
    static func strings(_ items: [String]) -> String {
        "CAST([\(items.map(string).joined(separator: ", "))] AS Array(String))"
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: Swift.max(0, width - count)) + self
    }
}
