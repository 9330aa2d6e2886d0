import StrataCore
import Yams

/// Loads and checks every definition of a workspace: parses the YAML, validates keys and values,
/// checks expressions against the workspace's names, and finds cycles between definitions.
struct DefinitionLoader {
    let files: DefinitionFiles
    var symbols: Symbols
    var diagnostics: [Diagnostic] = []
    var graph = DependencyGraph()

    var segmentDocuments: [(name: String, document: YAMLDocument)] = []
    var scoreDocuments: [(name: String, document: YAMLDocument)] = []
    var stageDocuments: [(name: String, document: YAMLDocument)] = []
    var traitsDocument: YAMLDocument?
    var rfmDocument: YAMLDocument?

    var segments: [SegmentDefinition] = []
    var scores: [ScoreDefinition] = []
    var stageModels: [StageModel] = []
    var computedTraits: [ComputedTrait] = []
    var activations: [Activation] = []
    var destinations: [Destination] = []
    var destinationNames: Set<String> = []
    var templates: [Template] = []
    var messaging = Messaging()
    /// The environment that `${NAME}` in activation files reads.
    let environment: [String: String]

    init(files: DefinitionFiles, symbols: Symbols, environment: [String: String]) {
        self.files = files
        self.symbols = symbols
        self.environment = environment
        self.diagnostics = files.diagnostics
    }

    mutating func run() -> Definitions {
        collect()
        loadTraits()
        for (name, document) in segmentDocuments { loadSegment(name, document) }
        for (name, document) in scoreDocuments { loadScore(name, document) }
        for (name, document) in stageDocuments { loadStageModel(name, document) }
        let rfm = loadRFM()
        loadActivationFiles()
        diagnostics.append(contentsOf: graph.cycleDiagnostics())
        return Definitions(
            segments: segments, scores: scores, stageModels: stageModels, computedTraits: computedTraits, rfm: rfm,
            activations: activations, destinations: destinations, templates: templates, messaging: messaging,
            dependencies: graph.dependencies, evaluationOrder: graph.evaluationOrder(),
            diagnostics: Diagnostic.sortedForDisplay(diagnostics))
    }

    // MARK: Collecting names

    /// Whether a name is kebab-case: lowercase letters and digits in words joined by single hyphens.
    static func isKebabCase(_ name: String) -> Bool {
        let words = name.split(separator: "-", omittingEmptySubsequences: false)
        return !name.isEmpty
            && words.allSatisfy { word in
                !word.isEmpty && word.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) }
            }
    }

    /// Whether a definition's name (its file's stem) is kebab-case; reports it with a suggestion when not.
    mutating func requireKebabCase(_ stem: String, kind: String, path: String) -> Bool {
        guard !DefinitionLoader.isKebabCase(stem) else { return true }
        let kebab = DefinitionLoader.kebabCased(stem)
        diagnostics.append(
            Diagnostic(
                .error, .invalidName,
                "\(kind) name `\(stem)` must be kebab-case (lowercase letters and digits joined by hyphens)",
                file: path, at: SourceRange(at: .start), suggestion: kebab.isEmpty ? nil : kebab))
        return false
    }

    /// A kebab-case spelling of a name, for suggestions.
    static func kebabCased(_ name: String) -> String {
        var result = ""
        var previousLower = false
        for scalar in name.unicodeScalars {
            if ("A"..."Z").contains(scalar) {
                if previousLower { result += "-" }
                result += String(scalar).lowercased()
                previousLower = false
            } else if ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) {
                result.unicodeScalars.append(scalar)
                previousLower = true
            } else {
                if !result.isEmpty, !result.hasSuffix("-") { result += "-" }
                previousLower = false
            }
        }
        while result.hasSuffix("-") { result.removeLast() }
        return result
    }

    mutating func collect() {
        var seen: [String: String] = [:]
        for path in files.files.keys.sorted() {
            let text = files.files[path] ?? ""
            if path == "traits.yaml" {
                let document = YAMLDocument(path: path, text: text)
                diagnostics.append(contentsOf: document.diagnostics)
                traitsDocument = document
                continue
            }
            if path == "rfm.yaml" {
                let document = YAMLDocument(path: path, text: text)
                diagnostics.append(contentsOf: document.diagnostics)
                rfmDocument = document
                continue
            }
            let parts = path.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2, DefinitionFiles.folders.contains(String(parts[0])) else { continue }
            let folder = String(parts[0])
            let fileName = String(parts[1])
            guard fileName.hasSuffix(".yaml") || fileName.hasSuffix(".yml") else { continue }
            let stem = String(fileName.prefix(upTo: fileName.lastIndex(of: ".") ?? fileName.endIndex))
            let kind = folder == "segments" ? "segment" : folder == "scores" ? "score" : "stage model"
            if folder != "segments", DefinitionLoader.isKebabCase(stem), let first = stem.unicodeScalars.first,
                !("a"..."z").contains(first)
            {
                diagnostics.append(
                    Diagnostic(
                        .error, .invalidName,
                        "\(kind) name `\(stem)` must start with a letter, so that `\(folder == "scores" ? "score" : "stage").\(stem)` "
                            + "can be written", file: path, at: SourceRange(at: .start)))
                continue
            }
            guard requireKebabCase(stem, kind: kind, path: path) else { continue }
            if let other = seen["\(folder)/\(stem)"] {
                diagnostics.append(
                    Diagnostic(
                        .error, .invalidName, "\(kind) `\(stem)` is already defined in \(other)", file: path,
                        at: SourceRange(at: .start)))
                continue
            }
            seen["\(folder)/\(stem)"] = path
            let document = YAMLDocument(path: path, text: text)
            diagnostics.append(contentsOf: document.diagnostics)
            switch folder {
            case "segments":
                segmentDocuments.append((stem, document))
                var kind = ProfileKind.users
                if case .mapping(let mapping)? = document.root, case .scalar(let of)? = mapping["of"],
                    of.string == ProfileKind.accounts.rawValue
                {
                    kind = .accounts
                }
                symbols.segments[stem] = kind
                graph.add(DefinitionID(.segment, stem))
            case "scores":
                scoreDocuments.append((stem, document))
                symbols.scores.insert(stem)
                graph.add(DefinitionID(.score, stem))
            default:
                stageDocuments.append((stem, document))
                symbols.stages.insert(stem)
                graph.add(DefinitionID(.stage, stem))
            }
        }
        if let traitsDocument, case .mapping(let mapping)? = traitsDocument.root {
            for (key, _) in mapping {
                if case .scalar(let name) = key, DefinitionLoader.isTraitName(name.string) {
                    symbols.computed[name.string] = .dynamic
                    graph.add(DefinitionID(.computed, name.string))
                }
            }
        }
    }

    /// Whether a computed trait name can be written after `computed.`.
    static func isTraitName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first,
            ("a"..."z").contains(first) || ("A"..."Z").contains(first) || first == "_"
        else { return false }
        return name.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-"
        } && !name.hasSuffix("-") && !name.contains("--")
    }

    // MARK: YAML helpers

    /// The key/value pairs of a mapping, reporting keys that are not allowed.
    mutating func fields(
        of node: Node?, in document: YAMLDocument, allowed: [String], what: String,
        elsewhere: [String: String] = [:]
    ) -> [String: (key: Node, value: Node)]? {
        guard let node else {
            diagnostics.append(
                document.error(
                    .invalidValue, "\(what) is empty: expected a mapping with keys such as `\(allowed[0])`", at: nil))
            return nil
        }
        guard case .mapping(let mapping) = node else {
            diagnostics.append(
                document.error(
                    .invalidValue,
                    "expected \(what) to be a mapping of keys (\(allowed.joined(separator: ", ")))", at: node))
            return nil
        }
        var result: [String: (key: Node, value: Node)] = [:]
        for (key, value) in mapping {
            guard case .scalar(let keyScalar) = key else {
                diagnostics.append(document.error(.unknownKey, "expected a key name", at: key))
                continue
            }
            let name = keyScalar.string
            if allowed.contains(name) {
                result[name] = (key, value)
            } else if let reason = elsewhere[name] {
                diagnostics.append(document.error(.unknownKey, "key `\(name)` \(reason)", at: key))
            } else {
                let suggestion = Suggestion.nearest(to: name, in: allowed)
                let expected = suggestion == nil ? ": expected one of \(allowed.joined(separator: ", "))" : ""
                diagnostics.append(
                    document.error(
                        .unknownKey, "unknown key `\(name)` in \(what)\(expected)", at: key, suggestion: suggestion))
            }
        }
        return result
    }

    /// A text value, or nil (reported) when the value is not a scalar.
    mutating func text(_ field: (key: Node, value: Node)?, _ name: String, in document: YAMLDocument) -> String? {
        guard let field else { return nil }
        guard case .scalar(let scalar) = field.value else {
            diagnostics.append(document.error(.invalidValue, "expected `\(name)` to be text", at: field.value))
            return nil
        }
        return field.value.isNull ? nil : scalar.string
    }

    /// A text value that says something: blank text is an error (leave the key out instead), since
    /// listings and health reports show it and route by it (`owner`).
    mutating func label(_ field: (key: Node, value: Node)?, _ name: String, in document: YAMLDocument) -> String? {
        guard let field, let value = text(field, name, in: document) else { return nil }
        guard !value.allSatisfy(\.isWhitespace) else {
            diagnostics.append(
                document.error(.invalidValue, "`\(name)` is blank: write a value or leave the key out", at: field.value)
            )
            return nil
        }
        return value
    }

    /// One of a fixed set of words, with a suggestion for a misspelling.
    mutating func choice(
        _ field: (key: Node, value: Node)?, _ name: String, _ options: [String], in document: YAMLDocument
    ) -> String? {
        guard let field, let value = text(field, name, in: document) else { return nil }
        guard options.contains(value) else {
            diagnostics.append(
                document.error(
                    .invalidValue,
                    "expected `\(name)` to be one of \(options.joined(separator: ", ")), found `\(value)`",
                    at: field.value, suggestion: Suggestion.nearest(to: value, in: options)))
            return nil
        }
        return value
    }

    /// A number value.
    mutating func number(_ field: (key: Node, value: Node)?, _ name: String, in document: YAMLDocument) -> Double? {
        guard let field, let value = text(field, name, in: document) else { return nil }
        guard let number = Double(value), number.isFinite else {
            diagnostics.append(
                document.error(.invalidValue, "expected `\(name)` to be a number, found `\(value)`", at: field.value))
            return nil
        }
        return number
    }

    /// A date value `YYYY-MM-DD`.
    mutating func date(_ node: Node, _ name: String, in document: YAMLDocument) -> DateLiteral? {
        guard case .scalar(let scalar) = node, let date = DateLiteral(parsing: scalar.string) else {
            let found = node.scalar.map { " found `\($0.string)`" } ?? ""
            diagnostics.append(
                document.error(.invalidValue, "expected `\(name)` to be a date such as 2026-11-01;\(found)", at: node))
            return nil
        }
        return date
    }

    /// Checks an expression written as a YAML scalar, recording its references for `owner` (none for an
    /// activation's, which no definition can read).
    mutating func expression(
        _ node: Node, _ name: String, in document: YAMLDocument, role: ExpressionRole, scope: ProfileKind = .users,
        owner: DefinitionID?
    ) -> TypedExpr? {
        guard case .scalar(let scalar) = node, !node.isNull else {
            diagnostics.append(
                document.error(.invalidValue, "expected `\(name)` to be an expression (text)", at: node))
            return nil
        }
        let result = Checker(symbols: symbols).check(document.source(of: scalar), role: role, scope: scope)
        diagnostics.append(contentsOf: result.diagnostics)
        if let owner { graph.add(result.references, from: owner) }
        return result.expression
    }

    /// Counts errors so a loader can tell whether a file added any.
    var errorCount: Int { diagnostics.filter { $0.severity == .error }.count }
}
