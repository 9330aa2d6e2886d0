import StrataCore
import StrataLanguage

/// Renders a syntax tree as an S-expression, so tests can assert its exact shape.
func shape(_ expr: Expr) -> String {
    switch expr.kind {
    case .number(let value): return value == value.rounded() ? String(Int(value)) : String(value)
    case .string(let value): return "\"\(value)\""
    case .bool(let value): return String(value)
    case .duration(let ms): return "\(ms)ms"
    case .date(let date): return date.description
    case .instant(let ms): return "@\(ms)"
    case .now: return "now"
    case .firstSeen: return "first_seen"
    case .lastSeen: return "last_seen"
    case .any: return "any"
    case .unit(let unit): return unit.rawValue
    case .path(let path): return path.description
    case .list(let items): return "[" + items.map(shape).joined(separator: " ") + "]"
    case .unary(.negate, let e): return "(neg \(shape(e)))"
    case .unary(.not, let e): return "(not \(shape(e)))"
    case .binary(let op, let a, let b): return "(\(op.rawValue) \(shape(a)) \(shape(b)))"
    case .between(let x, let low, let high): return "(between \(shape(x)) \(shape(low)) \(shape(high)))"
    case .in(let x, let list): return "(in \(shape(x)) \(shape(list)))"
    case .contains(let a, let b): return "(contains \(shape(a)) \(shape(b)))"
    case .account(let e): return "(account \(shape(e)))"
    case .filtered(let e, let condition): return "(where \(shape(e)) \(shape(condition)))"
    case .call(let name, _, let arguments):
        let rendered = arguments.map { argument -> String in
            switch argument.kind {
            case .positional(let e): return shape(e)
            case .named(let name, _, let value): return "\(name): \(shape(value))"
            case .window: return "<window>"
            }
        }
        return "(\(name)" + rendered.map { " " + $0 }.joined() + ")"
    }
}

/// Parses text that must parse, returning its shape (or the diagnostics when it does not).
func parsedShape(_ text: String) -> String {
    let result = Parser.parse(text)
    guard let expression = result.expression else {
        return "error: " + result.diagnostics.map(\.description).joined(separator: "; ")
    }
    return shape(expression)
}

/// Milliseconds in a day.
let day: Int64 = 86_400_000

/// The symbols of the examples workspace: every catalog segment, `paying`, and the three scores.
let catalogSymbols: Symbols = {
    var segments: [String: ProfileKind] = ["paying": .users]
    for entry in catalog {
        segments[entry.name] = entry.of
    }
    return Symbols(segments: segments, scores: ["expansion", "churn-risk", "conversion"])
}()

/// Checks an expression as a segment condition over `symbols`.
func check(
    _ text: String, role: ExpressionRole = .segmentCondition, scope: ProfileKind = .users,
    symbols: Symbols = catalogSymbols
) -> CheckResult {
    Checker(symbols: symbols).check(text, role: role, scope: scope)
}

/// The only diagnostic of a check, rendered as `line:col: severity: message`.
func onlyDiagnostic(_ result: CheckResult) -> String {
    guard result.diagnostics.count == 1, let diagnostic = result.diagnostics.first else {
        return "expected one diagnostic, got \(result.diagnostics.map(\.description))"
    }
    return diagnostic.description
}

/// The window of the first event aggregate in a plan.
func firstWindow(_ expr: TypedExpr?) -> Window? {
    guard let expr else { return nil }
    switch expr.node {
    case .aggregate(let aggregate): return aggregate.window
    case .comparison(_, let a, let b), .and(let a, let b), .or(let a, let b), .arithmetic(_, let a, let b):
        return firstWindow(a) ?? firstWindow(b)
    case .not(let e), .streak(_, let e), .countPeriods(_, let e, _): return firstWindow(e)
    default: return nil
    }
}
