import StrataCore
import Yams

extension DefinitionLoader {
    static let rfmKeys = ["recency", "frequency", "monetary", "population", "map"]
    static let rfmRowKeys = ["name", "r", "f", "m"]

    /// Checks a built-in default expression (never fails; a literal 0 stands in if it somehow did).
    func defaultExpression(_ text: String) -> TypedExpr {
        var plain = symbols
        plain.events = nil
        let result = Checker(symbols: plain).check(SourceText(text, file: "rfm.yaml"), role: .rfmValue)
        return result.expression ?? TypedExpr(.literal(.number(0)), type: .number, range: SourceRange(at: .start))
    }

    mutating func loadRFM() -> RFMSettings {
        var settings = RFMSettings(
            recency: defaultExpression(RFMSettings.defaultRecency),
            frequency: defaultExpression(RFMSettings.defaultFrequency),
            monetary: defaultExpression(RFMSettings.defaultMonetary), population: nil, map: .standard)
        guard let document = rfmDocument, document.diagnostics.isEmpty, let root = document.root, !root.isNull,
            let fields = fields(of: root, in: document, allowed: DefinitionLoader.rfmKeys, what: "rfm.yaml")
        else { return settings }
        if let field = fields["recency"],
            let typed = expression(field.value, "recency", in: document, role: .rfmValue, owner: .rfm)
        {
            settings.recency = typed
        }
        if let field = fields["frequency"],
            let typed = expression(field.value, "frequency", in: document, role: .rfmValue, owner: .rfm)
        {
            settings.frequency = typed
        }
        if let field = fields["monetary"],
            let typed = expression(field.value, "monetary", in: document, role: .rfmValue, owner: .rfm)
        {
            settings.monetary = typed
        }
        if let field = fields["population"] {
            settings.population = expression(field.value, "population", in: document, role: .population, owner: .rfm)
        }
        if let field = fields["map"], let map = rfmMap(field.value, document) {
            settings.map = map
        }
        return settings
    }

    private mutating func rfmMap(_ node: Node, _ document: YAMLDocument) -> RFMMap? {
        if case .scalar(let scalar) = node {
            switch scalar.string {
            case "standard": return .standard
            case "seed": return .seed
            default:
                diagnostics.append(
                    document.error(
                        .invalidValue, "expected `map` to be standard, seed or a list of rows (name, r, f, m)",
                        at: node, suggestion: Suggestion.nearest(to: scalar.string, in: ["standard", "seed"])))
                return nil
            }
        }
        guard case .sequence(let items) = node, !items.isEmpty else {
            diagnostics.append(
                document.error(.invalidValue, "expected `map` to be standard, seed or a list of rows", at: node))
            return nil
        }
        var rows: [RFMRow] = []
        var ok = true
        for item in items {
            guard let fields = fields(of: item, in: document, allowed: DefinitionLoader.rfmRowKeys, what: "an RFM row")
            else {
                ok = false
                continue
            }
            guard let name = text(fields["name"], "name", in: document), !name.isEmpty else {
                diagnostics.append(document.error(.missingKey, "an RFM row needs `name`", at: item))
                ok = false
                continue
            }
            var ranges: [ClosedRange<Int>] = []
            for key in ["r", "f", "m"] {
                guard let field = fields[key] else {
                    ranges.append(1...5)
                    continue
                }
                if let range = binRange(field, key, document) { ranges.append(range) } else { ok = false }
            }
            if ranges.count == 3 { rows.append(RFMRow(name, r: ranges[0], f: ranges[1], m: ranges[2])) }
        }
        return ok ? .custom(rows) : nil
    }

    /// `5` or `4-5`, within 1...5.
    private mutating func binRange(
        _ field: (key: Node, value: Node), _ key: String, _ document: YAMLDocument
    )
        -> ClosedRange<Int>?
    {
        guard let value = text(field, key, in: document) else { return nil }
        let parts = value.split(separator: "-", omittingEmptySubsequences: false).map {
            Int($0.filter { $0 != " " })
        }
        if parts.count == 1, let single = parts[0], (1...5).contains(single) { return single...single }
        if parts.count == 2, let low = parts[0], let high = parts[1], 1 <= low, low <= high, high <= 5 {
            return low...high
        }
        diagnostics.append(
            document.error(
                .invalidValue, "expected `\(key)` to be a bin 1-5 or a range such as 4-5, found `\(value)`",
                at: field.value))
        return nil
    }
}
