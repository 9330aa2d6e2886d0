import StrataCore
import Yams

extension DefinitionLoader {
    static let scoreCommonKeys = ["kind", "title", "description", "owner"]
    static let weightedKeys = ["inputs"]
    static let logisticKeys = ["population", "features", "label", "train_as_of"]
    static let inputKeys = ["expr", "weight", "normalize", "missing"]

    mutating func loadScore(_ name: String, _ document: YAMLDocument) {
        guard document.diagnostics.isEmpty else { return }
        let errorsBefore = errorCount
        let owner = DefinitionID(.score, name)
        var kind: String?
        if case .mapping(let mapping)? = document.root, case .scalar(let scalar)? = mapping["kind"] {
            kind = scalar.string
        }
        let specific: [String]
        var elsewhere: [String: String] = [:]
        switch kind {
        case "weighted":
            specific = DefinitionLoader.weightedKeys
            for key in DefinitionLoader.logisticKeys { elsewhere[key] = "belongs to `kind: logistic`, not weighted" }
        case "logistic":
            specific = DefinitionLoader.logisticKeys
            for key in DefinitionLoader.weightedKeys { elsewhere[key] = "belongs to `kind: weighted`, not logistic" }
        default:
            specific = DefinitionLoader.weightedKeys + DefinitionLoader.logisticKeys
        }
        guard
            let fields = fields(
                of: document.root, in: document, allowed: DefinitionLoader.scoreCommonKeys + specific, what: "a score",
                elsewhere: elsewhere)
        else { return }
        let title = label(fields["title"], "title", in: document)
        let description = label(fields["description"], "description", in: document)
        let ownerName = label(fields["owner"], "owner", in: document)
        guard fields["kind"] != nil else {
            diagnostics.append(
                document.error(.missingKey, "a score needs `kind`: weighted or logistic", at: document.root))
            return
        }
        guard let kind = choice(fields["kind"], "kind", ["weighted", "logistic"], in: document) else { return }
        let model: ScoreDefinition.Model?
        if kind == "weighted" {
            model = loadWeighted(fields, document, owner)
        } else {
            model = loadLogistic(fields, document, owner)
        }
        guard let model, errorCount == errorsBefore else { return }
        scores.append(
            ScoreDefinition(
                name: name, file: document.path, title: title, description: description, owner: ownerName,
                model: model))
    }

    private mutating func loadWeighted(
        _ fields: [String: (key: Node, value: Node)], _ document: YAMLDocument, _ owner: DefinitionID
    ) -> ScoreDefinition.Model? {
        guard let inputsField = fields["inputs"] else {
            diagnostics.append(
                document.error(.missingKey, "a weighted score needs `inputs`, a list of expr/weight", at: document.root)
            )
            return nil
        }
        guard case .sequence(let items) = inputsField.value, !items.isEmpty else {
            diagnostics.append(
                document.error(
                    .invalidValue, "expected `inputs` to be a non-empty list of inputs (- expr: ... weight: ...)",
                    at: inputsField.value))
            return nil
        }
        var inputs: [WeightedInput] = []
        var ok = true
        for item in items {
            guard let input = loadInput(item, document, owner) else {
                ok = false
                continue
            }
            inputs.append(input)
        }
        guard ok else { return nil }
        guard inputs.reduce(0, { $0 + $1.weight }) > 0 else {
            diagnostics.append(
                document.error(.invalidValue, "the weights of `inputs` must add up to more than 0", at: inputsField.key)
            )
            return nil
        }
        return .weighted(inputs)
    }

    private mutating func loadInput(_ item: Node, _ document: YAMLDocument, _ owner: DefinitionID) -> WeightedInput? {
        guard let fields = fields(of: item, in: document, allowed: DefinitionLoader.inputKeys, what: "a score input")
        else { return nil }
        guard let exprField = fields["expr"] else {
            diagnostics.append(document.error(.missingKey, "a score input needs `expr`", at: item))
            return nil
        }
        let typed = expression(exprField.value, "expr", in: document, role: .scoreInput, owner: owner)
        var weight = 1.0
        var ok = true
        if let field = fields["weight"] {
            if let value = number(field, "weight", in: document, where: { $0 >= 0 }, expected: "to be >= 0") {
                weight = value
            } else {
                ok = false
            }
        }
        var missing = 0.0
        if let field = fields["missing"] {
            if let value = number(
                field, "missing", in: document, where: { (0...1).contains($0) },
                expected: "to be a normalised value between 0 and 1")
            {
                missing = value
            } else {
                ok = false
            }
        }
        var normalize = Normalization.none
        if let field = fields["normalize"] {
            if let value = normalization(field, document) { normalize = value } else { ok = false }
        }
        guard ok, let typed else { return nil }
        return WeightedInput(expression: typed, weight: weight, normalize: normalize, missing: missing)
    }

    /// A number that must also satisfy `valid`; an error says what was `expected` when it does not.
    private mutating func number(
        _ field: (key: Node, value: Node), _ name: String, in document: YAMLDocument,
        where valid: (Double) -> Bool, expected: String
    ) -> Double? {
        guard let value = number(field, name, in: document) else { return nil }
        guard valid(value) else {
            diagnostics.append(document.error(.invalidValue, "expected `\(name)` \(expected)", at: field.value))
            return nil
        }
        return value
    }

    private mutating func normalization(_ field: (key: Node, value: Node), _ document: YAMLDocument) -> Normalization? {
        guard let value = text(field, "normalize", in: document) else { return nil }
        let words = value.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        switch words.first {
        case "clamp" where words.count == 1: return .clamp
        case "percentile" where words.count == 1: return .percentile
        case "range" where words.count == 3:
            if let low = Double(words[1]), let high = Double(words[2]), low.isFinite, high.isFinite, low != high {
                return .range(low, high)
            }
        default:
            break
        }
        diagnostics.append(
            document.error(
                .invalidValue,
                "expected `normalize` to be clamp, percentile or range A B with A != B (e.g. range -1 1), found `\(value)`",
                at: field.value,
                suggestion: words.first.flatMap { Suggestion.nearest(to: $0, in: ["clamp", "percentile", "range"]) }))
        return nil
    }

    private mutating func loadLogistic(
        _ fields: [String: (key: Node, value: Node)], _ document: YAMLDocument, _ owner: DefinitionID
    ) -> ScoreDefinition.Model? {
        var ok = true
        var population: TypedExpr?
        if let field = fields["population"] {
            population = expression(field.value, "population", in: document, role: .population, owner: owner)
            ok = ok && population != nil
        }
        var features: [TypedExpr] = []
        if let field = fields["features"] {
            if case .sequence(let items) = field.value, !items.isEmpty {
                for item in items {
                    if let typed = expression(item, "features", in: document, role: .modelFeature, owner: owner) {
                        features.append(typed)
                    } else {
                        ok = false
                    }
                }
            } else {
                diagnostics.append(
                    document.error(
                        .invalidValue, "expected `features` to be a non-empty list of expressions", at: field.value))
                ok = false
            }
        } else {
            diagnostics.append(document.error(.missingKey, "a logistic model needs `features`", at: document.root))
            ok = false
        }
        var label: TypedExpr?
        if let field = fields["label"] {
            label = expression(field.value, "label", in: document, role: .modelLabel, owner: owner)
        } else {
            diagnostics.append(
                document.error(.missingKey, "a logistic model needs `label`, the outcome", at: document.root))
        }
        var dates: [DateLiteral] = []
        if let field = fields["train_as_of"] {
            let nodes: [Node]
            if case .sequence(let items) = field.value { nodes = Array(items) } else { nodes = [field.value] }
            for node in nodes {
                if let value = date(node, "train_as_of", in: document) { dates.append(value) } else { ok = false }
            }
            if nodes.isEmpty {
                diagnostics.append(
                    document.error(.invalidValue, "`train_as_of` needs at least one date", at: field.value))
                ok = false
            }
        } else {
            diagnostics.append(
                document.error(
                    .missingKey, "a logistic model needs `train_as_of`, its snapshot dates", at: document.root))
            ok = false
        }
        guard ok, let label else { return nil }
        return .logistic(LogisticModel(population: population, features: features, label: label, trainAsOf: dates))
    }
}
