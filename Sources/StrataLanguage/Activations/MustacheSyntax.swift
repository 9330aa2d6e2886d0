/// The syntax check of a Mustache template: every tag closed, every section closed by its own name,
/// nothing closed that is not open. Variables, `{{{raw}}}`, `{{&raw}}`, sections `{{#x}}` and
/// inverted sections `{{^x}}`, and comments `{{! }}` are allowed; partials and changed delimiters are
/// not (a template here has no partials to include).
enum MustacheSyntax {
    /// A problem at a scalar offset of the text.
    struct Problem: Equatable {
        /// What is wrong.
        var message: String
        /// Where, as a line and column in the text (1-based).
        var line: Int
        /// See ``line``.
        var column: Int
    }

    /// The first problem of a template, or nil when its syntax is right.
    static func check(_ text: String) -> Problem? {
        let scalars = Array(text.unicodeScalars)
        func position(_ index: Int) -> (Int, Int) {
            var line = 1
            var column = 1
            for scalar in scalars[..<index] {
                if scalar == "\n" {
                    line += 1
                    column = 1
                } else {
                    column += 1
                }
            }
            return (line, column)
        }
        func problem(_ message: String, at index: Int) -> Problem {
            let (line, column) = position(index)
            return Problem(message: message, line: line, column: column)
        }
        func starts(_ token: String, at index: Int) -> Bool {
            let token = Array(token.unicodeScalars)
            return index + token.count <= scalars.count && Array(scalars[index..<index + token.count]) == token
        }
        var open: [(name: String, at: Int)] = []
        var index = 0
        while index < scalars.count {
            guard starts("{{", at: index) else {
                index += 1
                continue
            }
            let tagStart = index
            let triple = starts("{{{", at: index)
            let closer = triple ? "}}}" : "}}"
            var end = index + (triple ? 3 : 2)
            while end < scalars.count, !starts(closer, at: end) { end += 1 }
            guard end < scalars.count else {
                return problem("this tag is not closed: expected `\(closer)`", at: tagStart)
            }
            var body = String(String.UnicodeScalarView(scalars[(index + (triple ? 3 : 2))..<end]))
            index = end + closer.count
            if triple {
                if body.trimmingSpaces.isEmpty { return problem("expected a name inside `{{{ }}}`", at: tagStart) }
                continue
            }
            let sigil = body.unicodeScalars.first
            switch sigil {
            case "!":
                continue
            case "#", "^", "/", "&", ">", "=":
                body.removeFirst()
            default:
                break
            }
            let name = body.trimmingSpaces
            if sigil == ">" { return problem("partials (`{{> \(name)}}`) are not supported", at: tagStart) }
            if sigil == "=" { return problem("changing the delimiters (`{{= =}}`) is not supported", at: tagStart) }
            guard !name.isEmpty, !name.unicodeScalars.contains(where: { $0 == " " || $0 == "{" || $0 == "}" })
            else {
                return problem("expected one name inside `{{ }}`, found `\(body)`", at: tagStart)
            }
            switch sigil {
            case "#", "^":
                open.append((name, tagStart))
            case "/":
                guard let last = open.popLast() else {
                    return problem("`{{/\(name)}}` closes a section that is not open", at: tagStart)
                }
                guard last.name == name else {
                    return problem("`{{/\(name)}}` closes `\(last.name)`: expected `{{/\(last.name)}}`", at: tagStart)
                }
            default:
                break
            }
        }
        if let unclosed = open.last {
            return problem(
                "section `\(unclosed.name)` is not closed: expected `{{/\(unclosed.name)}}`", at: unclosed.at)
        }
        return nil
    }
}

extension String {
    /// The text without leading and trailing spaces and tabs.
    fileprivate var trimmingSpaces: String {
        var scalars = Substring(self).unicodeScalars
        while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
        return String(String.UnicodeScalarView(scalars))
    }
}
