/// Splits one line of a delimited file into fields.
public enum Delimiter: String, Sendable, CaseIterable {
    /// Comma-separated, with RFC 4180 double-quoted fields.
    case comma
    /// Tab-separated.
    case tab
    /// Semicolon-separated, with double-quoted fields as for commas (spreadsheets in locales that
    /// write decimal commas save CSV this way).
    case semicolon
    /// Fields separated by runs of spaces or tabs (leading and trailing blanks ignored).
    case whitespace

    /// Guesses the delimiter from a sample line: commas, then tabs, then semicolons, else whitespace.
    public static func guess(from line: Substring) -> Delimiter {
        if line.contains(",") { return .comma }
        if line.contains("\t") { return .tab }
        if line.contains(";") { return .semicolon }
        return .whitespace
    }

    /// The fields of a line, or nil when a quoted field is not closed.
    public func split(_ line: Substring) -> [Substring]? {
        switch self {
        case .whitespace:
            return line.split(whereSeparator: { $0 == " " || $0 == "\t" })
        case .tab:
            return line.split(separator: "\t", omittingEmptySubsequences: false)
        case .comma: return Self.splitQuoted(line, separator: ",")
        case .semicolon: return Self.splitQuoted(line, separator: ";")
        }
    }

    /// Splits at `separator` outside double quotes, RFC 4180 style.
    private static func splitQuoted(_ line: Substring, separator: Character) -> [Substring]? {
        guard line.contains("\"") else { return line.split(separator: separator, omittingEmptySubsequences: false) }
        var fields: [Substring] = []
        var current = ""
        var inQuotes = false
        var wasQuoted = false
        var index = line.startIndex
        while index < line.endIndex {
            let character = line[index]
            if inQuotes {
                if character == "\"" {
                    let next = line.index(after: index)
                    if next < line.endIndex, line[next] == "\"" {
                        current.append("\"")
                        index = next
                    } else {
                        inQuotes = false
                    }
                } else {
                    current.append(character)
                }
            } else if character == "\"", current.isEmpty, !wasQuoted {
                inQuotes = true
                wasQuoted = true
            } else if character == separator {
                fields.append(Substring(current))
                current = ""
                wasQuoted = false
            } else {
                current.append(character)
            }
            index = line.index(after: index)
        }
        if inQuotes { return nil }
        fields.append(Substring(current))
        return fields
    }
}
