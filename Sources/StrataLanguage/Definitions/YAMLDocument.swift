import Yams

/// A YAML definition file: its parsed node tree and the index that maps Yams marks and scalar contents
/// back to file positions.
struct YAMLDocument {
    /// The workspace-relative path.
    let path: String
    /// The root node, when the file parsed.
    let root: Node?
    /// Problems parsing the file.
    let diagnostics: [Diagnostic]

    private let scalars: [Unicode.Scalar]
    /// One location per scalar of the file, plus one for the end.
    private let locations: [SourceLocation]
    /// The scalar index where each line starts.
    private let lineStarts: [Int]

    /// The deepest flow nesting (`[`, `{`) or indentation accepted before handing text to Yams.
    static let maximumNesting = 256
    static let maximumIndentation = 2048

    init(path: String, text: String) {
        self.path = path
        var scalars: [Unicode.Scalar] = []
        var locations: [SourceLocation] = []
        var lineStarts = [0]
        var line = 1
        var column = 1
        var offset = 0
        for scalar in text.unicodeScalars {
            scalars.append(scalar)
            locations.append(SourceLocation(line: line, column: column, offset: offset))
            offset += UTF8.width(scalar)
            if scalar == "\n" {
                line += 1
                column = 1
                lineStarts.append(scalars.count)
            } else {
                column += 1
            }
        }
        locations.append(SourceLocation(line: line, column: column, offset: offset))
        self.scalars = scalars
        self.locations = locations
        self.lineStarts = lineStarts

        if let problem = YAMLDocument.nestingProblem(scalars, locations) {
            self.root = nil
            self.diagnostics = [
                Diagnostic(.error, .yaml, problem.message, file: path, at: SourceRange(at: problem.location))
            ]
            return
        }
        do {
            self.root = try Yams.compose(yaml: text)
            self.diagnostics = []
        } catch let error as YamlError {
            self.root = nil
            self.diagnostics = [YAMLDocument.diagnostic(for: error, path: path)]
        } catch {
            self.root = nil
            self.diagnostics = [
                Diagnostic(.error, .yaml, "invalid YAML: \(error)", file: path, at: SourceRange(at: .start))
            ]
        }
    }

    /// Rejects nesting deep enough to exhaust the stack of a recursive YAML composer.
    private static func nestingProblem(
        _ scalars: [Unicode.Scalar], _ locations: [SourceLocation]
    ) -> (
        message: String, location: SourceLocation
    )? {
        var depth = 0
        var quote: Unicode.Scalar?
        var comment = false
        var indentation = 0
        var atLineStart = true
        for (index, scalar) in scalars.enumerated() {
            if scalar == "\n" {
                comment = false
                quote = nil
                atLineStart = true
                indentation = 0
                continue
            }
            if atLineStart {
                if scalar == " " || scalar == "-" {
                    indentation += 1
                    if indentation > maximumIndentation {
                        return (
                            "YAML is indented too deeply (more than \(maximumIndentation) columns)", locations[index]
                        )
                    }
                    continue
                }
                atLineStart = false
            }
            if comment { continue }
            if let open = quote {
                if scalar == open { quote = nil }
                continue
            }
            switch scalar {
            case "\"", "'": quote = scalar
            case "#": comment = true
            case "[", "{":
                depth += 1
                if depth > maximumNesting {
                    return ("YAML is nested too deeply (more than \(maximumNesting) levels)", locations[index])
                }
            case "]", "}": depth = max(0, depth - 1)
            default: break
            }
        }
        return nil
    }

    private static func diagnostic(for error: YamlError, path: String) -> Diagnostic {
        func at(_ mark: Mark) -> SourceRange {
            SourceRange(at: SourceLocation(line: mark.line, column: mark.column, offset: 0))
        }
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            var detail = context.map { "\(problem) \($0.text)" } ?? problem
            if problem == "mapping values are not allowed in this context" {
                detail += " (an expression holding `: `, such as `within: 2h`, must be a block: write `where: >` and "
                detail += "the expression on the next lines, indented)"
            }
            return Diagnostic(.error, .yaml, "invalid YAML: \(detail)", file: path, at: at(mark))
        case .duplicatedKeysInMapping(let duplicates, let context):
            return Diagnostic(
                .error, .yaml, "duplicate key \(duplicates.map { "`\($0)`" }.joined(separator: ", "))", file: path,
                at: at(context.mark))
        default:
            return Diagnostic(.error, .yaml, "invalid YAML: \(error)", file: path, at: SourceRange(at: .start))
        }
    }

    // MARK: Positions

    /// The scalar index of a Yams mark (1-based line and column).
    private func index(of mark: Mark?) -> Int {
        guard let mark, mark.line >= 1, mark.line <= lineStarts.count else { return 0 }
        return min(lineStarts[mark.line - 1] + max(0, mark.column - 1), scalars.count)
    }

    /// The location of a node's start.
    func location(of node: Node) -> SourceLocation {
        locations[index(of: node.mark)]
    }

    /// The range of a node: its first line's text for a plain or quoted scalar, its start otherwise.
    func range(of node: Node) -> SourceRange {
        let start = index(of: node.mark)
        var end = start
        if case .scalar(let scalar) = node, scalar.style != .literal, scalar.style != .folded {
            end = start
            let quoted = scalar.style == .singleQuoted || scalar.style == .doubleQuoted
            let length = scalar.string.unicodeScalars.count + (quoted ? 2 : 0)
            while end < scalars.count, end - start < length, scalars[end] != "\n" { end += 1 }
        }
        return SourceRange(start: locations[start], end: locations[end])
    }

    /// The scalar's text as a `SourceText` whose every byte maps to its position in the file.
    ///
    /// YAML folding only changes whitespace (line breaks, indentation, trailing spaces), so the
    /// non-whitespace scalars of the value appear in the file in the same order: each is matched to the
    /// next equal scalar in the file from the content's start. Whitespace maps to just after the previous match.
    func source(of scalar: Node.Scalar) -> SourceText {
        var cursor = index(of: scalar.mark)
        switch scalar.style {
        case .literal, .folded:
            while cursor < scalars.count, scalars[cursor] != "\n" { cursor += 1 }
            cursor = min(cursor + 1, scalars.count)
        case .singleQuoted, .doubleQuoted:
            cursor = min(cursor + 1, scalars.count)
        default:
            break
        }
        var byteLocations: [SourceLocation] = []
        var after = locations[cursor]
        for value in scalar.string.unicodeScalars {
            var location = after
            if !(value == " " || value == "\t" || value == "\n" || value == "\r") {
                var probe = cursor
                let limit = min(scalars.count, cursor + 4096)
                while probe < limit, scalars[probe] != value { probe += 1 }
                if probe < limit {
                    location = locations[probe]
                    after = SourceLocation(
                        line: location.line, column: location.column + 1,
                        offset: location.offset + UTF8.width(scalars[probe]))
                    cursor = probe + 1
                }
            }
            for byte in 0..<UTF8.width(value) {
                byteLocations.append(
                    SourceLocation(line: location.line, column: location.column, offset: location.offset + byte))
            }
        }
        byteLocations.append(after)
        return SourceText(text: scalar.string, file: path, locations: byteLocations)
    }

    // MARK: Diagnostics

    func error(_ code: Diagnostic.Code, _ message: String, at node: Node?, suggestion: String? = nil) -> Diagnostic {
        Diagnostic(
            .error, code, message, file: path, at: node.map(range(of:)) ?? SourceRange(at: .start),
            suggestion: suggestion)
    }

    func warning(_ code: Diagnostic.Code, _ message: String, at node: Node?, suggestion: String? = nil) -> Diagnostic {
        Diagnostic(
            .warning, code, message, file: path, at: node.map(range(of:)) ?? SourceRange(at: .start),
            suggestion: suggestion)
    }
}
