import StrataLanguage

/// Builds explanation trees: compiles each sub-expression on its own and evaluates it for the profile.
struct Explainer {
    let engine: Engine
    let file: String?
    let source: [UInt8]?

    func node(_ expr: TypedExpr, kind: ProfileKind, profile: Int) throws(EngineError) -> Explanation.Node {
        let value = try evaluate(expr, kind: kind, profile: profile)
        func children(_ list: [TypedExpr]) throws(EngineError) -> [Explanation.Node] {
            var nodes: [Explanation.Node] = []
            for child in list where !Self.isLiteral(child) {
                nodes.append(try node(child, kind: kind, profile: profile))
            }
            return nodes
        }
        switch expr.node {
        case .and, .or:
            let op = Self.connective(expr.node)
            return Explanation.Node(
                label: op, value: value, isOperator: true, children: try children(Self.chain(expr, op)))
        case .not(let a):
            return Explanation.Node(label: "not", value: value, isOperator: true, children: try children([a]))
        case .comparison(let op, let a, let b):
            return Explanation.Node(label: op.rawValue, value: value, isOperator: true, children: try children([a, b]))
        case .between(let x, let low, let high):
            return Explanation.Node(
                label: "between", value: value, isOperator: true, children: try children([x, low, high]))
        case .inList(let x, _):
            return Explanation.Node(label: "in", value: value, isOperator: true, children: try children([x]))
        case .contains(let a, let b):
            return Explanation.Node(label: "contains", value: value, isOperator: true, children: try children([a, b]))
        case .arithmetic(_, let a, let b):
            return Explanation.Node(label: text(expr), value: value, isOperator: false, children: try children([a, b]))
        case .negate(let a), .exists(let a), .percentile(let a, _):
            return Explanation.Node(label: text(expr), value: value, isOperator: false, children: try children([a]))
        case .daysBetween(let a, let b):
            return Explanation.Node(label: text(expr), value: value, isOperator: false, children: try children([a, b]))
        case .math(_, let arguments), .coalesce(let arguments):
            return Explanation.Node(
                label: text(expr), value: value, isOperator: false, children: try children(arguments))
        case .account(let inner):
            guard let account = engine.population.account(ofUser: profile) else {
                return Explanation.Node(label: text(expr), value: value, isOperator: false, note: "no account")
            }
            var child = try node(inner, kind: .accounts, profile: account)
            if Self.isLiteral(inner) { child.children = [] }
            return Explanation.Node(
                label: text(expr), value: value, isOperator: false,
                note: "account \(engine.population.accounts.ids[account])",
                children: inner.type == .bool || !child.children.isEmpty ? [child] : [])
        default:
            return Explanation.Node(label: text(expr), value: value, isOperator: false)
        }
    }

    private func evaluate(_ expr: TypedExpr, kind: ProfileKind, profile: Int) throws(EngineError) -> Value {
        try engine.prepare(expr, kind: kind, file: file)
        let code = try Compiler(engine: engine, file: file, scope: .init(kind: kind)).compile(expr)
        let evaluator = Evaluator()
        evaluator.profile = profile
        return code(evaluator)
    }

    /// The source text of an expression (whitespace collapsed), else the plan printed back.
    func text(_ expr: TypedExpr) -> String {
        Self.text(expr, source: source)
    }

    /// The source text of an expression in its file's bytes (whitespace collapsed), else the plan
    /// printed back.
    static func text(_ expr: TypedExpr, source: [UInt8]?) -> String {
        let start = expr.range.start.offset
        let end = expr.range.end.offset
        if let source, start >= 0, end > start, end <= source.count {
            let slice = String(decoding: source[start..<end], as: UTF8.self)
            let words = slice.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" })
            let collapsed = words.joined(separator: " ")
            if !collapsed.isEmpty, !collapsed.hasPrefix("where:") { return collapsed }
        }
        return PlanPrinter.text(expr)
    }

    static func isLiteral(_ expr: TypedExpr) -> Bool {
        if case .literal = expr.node { return true }
        if case .now = expr.node { return true }
        return false
    }

    static func connective(_ node: PlanNode) -> String {
        if case .and = node { return "and" }
        return "or"
    }

    /// The operands of a chain of one connective: `a and b and c` gives [a, b, c].
    static func chain(_ expr: TypedExpr, _ op: String) -> [TypedExpr] {
        switch expr.node {
        case .and(let a, let b) where op == "and": chain(a, op) + chain(b, op)
        case .or(let a, let b) where op == "or": chain(a, op) + chain(b, op)
        default: [expr]
        }
    }
}

extension Explanation {
    /// The conditions directly under the root of a segment's explanation: the operands of a chain of
    /// `and` (or of `or`) with that connective, or the condition itself without one; each with the
    /// label the tree gives it (its source text, whitespace collapsed). Literal operands are left out,
    /// as the tree leaves them out. `source` is the text of the segment's file.
    public static func topLevel(
        of condition: TypedExpr, source: String?
    ) -> (connective: String?, conditions: [(label: String, condition: TypedExpr)]) {
        let bytes = source.map { Array($0.utf8) }
        switch condition.node {
        case .and, .or:
            let op = Explainer.connective(condition.node)
            let operands = Explainer.chain(condition, op).filter { !Explainer.isLiteral($0) }
            return (op, operands.map { (Explainer.text($0, source: bytes), $0) })
        default:
            return (nil, [(Explainer.text(condition, source: bytes), condition)])
        }
    }
}
