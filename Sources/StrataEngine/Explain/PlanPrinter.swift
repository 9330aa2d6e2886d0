import Foundation
import StrataCore
import StrataLanguage

/// Prints a typed plan back as language text, for explanations of expressions whose source text is
/// not at hand.
enum PlanPrinter {
    /// The text of an expression.
    static func text(_ expr: TypedExpr) -> String {
        text(expr, parent: 0)
    }

    private static func precedence(_ node: PlanNode) -> Int {
        switch node {
        case .or: 1
        case .and: 2
        case .not: 3
        case .comparison, .between, .inList, .contains: 4
        case .arithmetic(.add, _, _), .arithmetic(.subtract, _, _): 5
        case .arithmetic: 6
        case .negate: 7
        default: 8
        }
    }

    private static func text(_ expr: TypedExpr, parent: Int) -> String {
        let own = precedence(expr.node)
        let body = bare(expr, own)
        return own < parent ? "(\(body))" : body
    }

    private static func bare(_ expr: TypedExpr, _ own: Int) -> String {
        func sub(_ e: TypedExpr, _ level: Int? = nil) -> String { text(e, parent: level ?? own) }
        switch expr.node {
        case .literal(let literal): return self.literal(literal)
        case .now: return "now"
        case .firstSeen: return "first_seen"
        case .lastSeen: return "last_seen"
        case .property(let path): return path.map(name).joined(separator: ".")
        case .eventField(let field): return field.rawValue
        case .trait(let path): return "trait." + path.map(name).joined(separator: ".")
        case .account(let inner): return "account." + sub(inner, 8)
        case .computed(let n): return "computed.\(n)"
        case .score(let n): return "score.\(n)"
        case .stage(let n): return "stage.\(n)"
        case .rfm(let field): return "rfm.\(field.rawValue)"
        case .segment(let n): return "segment(\(quoted(n)))"
        case .negate(let a): return "-" + sub(a)
        case .not(let a): return "not " + sub(a)
        case .and(let a, let b): return "\(sub(a)) and \(sub(b, own + 1))"
        case .or(let a, let b): return "\(sub(a)) or \(sub(b, own + 1))"
        case .arithmetic(let op, let a, let b): return "\(sub(a)) \(op.rawValue) \(sub(b, own + 1))"
        case .comparison(let op, let a, let b): return "\(sub(a, own + 1)) \(op.rawValue) \(sub(b, own + 1))"
        case .between(let x, let low, let high):
            return "\(sub(x, own + 1)) between \(sub(low, own + 1)) and \(sub(high, own + 1))"
        case .inList(let x, let items):
            return "\(sub(x, own + 1)) in [\(items.map { sub($0, 0) }.joined(separator: ", "))]"
        case .contains(let a, let b): return "\(sub(a, own + 1)) contains \(sub(b, own + 1))"
        case .aggregate(let a):
            var arguments = [selector(a.selector)]
            if let field = a.function.field { arguments.append(self.field(field)) }
            return call(a.function.name, arguments, a.window)
        case .share(let e, let total, let w):
            return call("share", [selector(e), "of: " + selector(total)], w)
        case .sequence(let s):
            return call(
                s.kind.rawValue, s.steps.map(selector) + ["within: " + Value.format(duration: s.within)], s.window)
        case .streak(let unit, let condition): return "streak(\(unit.rawValue), \(sub(condition, 0)))"
        case .countPeriods(let unit, let condition, let n):
            return "count_periods(\(unit.rawValue), \(sub(condition, 0)), \(n))"
        case .percentile(let inner, let among):
            return "percentile(\(sub(inner, 0))\(among.map { ", among: \(quoted($0))" } ?? ""))"
        case .countUsers(let inner): return "count_users(\(sub(inner, 0)))"
        case .daysBetween(let a, let b): return "days_between(\(sub(a, 0)), \(sub(b, 0)))"
        case .math(let f, let arguments):
            return "\(f.rawValue)(\(arguments.map { sub($0, 0) }.joined(separator: ", ")))"
        case .coalesce(let arguments): return "coalesce(\(arguments.map { sub($0, 0) }.joined(separator: ", ")))"
        case .exists(let a): return "exists(\(sub(a, 0)))"
        }
    }

    private static func call(_ name: String, _ arguments: [String], _ window: Window) -> String {
        let w = self.window(window)
        return "\(name)(\((arguments + (w.map { [$0] } ?? [])).joined(separator: ", ")))"
    }

    static func literal(_ literal: Literal) -> String {
        switch literal {
        case .number(let n): Value.format(n)
        case .string(let s): quoted(s)
        case .bool(let b): b ? "true" : "false"
        case .duration(let d): Value.format(duration: d)
        case .time(.date(let d)): d.description
        case .time(.instant(let ms)): Instant.format(ms)
        }
    }

    static func quoted(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    private static func name(_ segment: String) -> String {
        let plain = segment.unicodeScalars.allSatisfy {
            ($0 >= "a" && $0 <= "z") || ($0 >= "A" && $0 <= "Z") || ($0 >= "0" && $0 <= "9") || $0 == "_"
        }
        return plain && !segment.isEmpty ? segment : "`\(segment)`"
    }

    static func field(_ field: Field) -> String {
        switch field {
        case .property(let path): path.map(name).joined(separator: ".")
        case .event(let f): f.rawValue
        }
    }

    static func selector(_ selector: EventSelector) -> String {
        var base: String
        if let names = selector.names {
            base = names.map(quoted).joined(separator: " or ")
            if names.count > 1 { base = "(\(base))" }
        } else {
            base = "any"
        }
        if let condition = selector.condition { base += " where " + text(condition) }
        return base
    }

    private static func point(_ p: TimePoint) -> String {
        switch p {
        case .date(let d): d.description
        case .instant(let ms): Instant.format(ms)
        }
    }

    private static func anchor(_ a: WindowAnchor) -> String {
        switch a {
        case .firstSeen: "first_seen"
        case .firstEvent(let s): selector(s)
        }
    }

    static func window(_ window: Window) -> String? {
        let d = Value.format(duration:)
        switch window {
        case .allTime, .period: return nil
        case .last(let x): return "last \(d(x))"
        case .between(let a, let b): return "from \(d(a)) ago to \(d(b)) ago"
        case .before(let x): return "before \(d(x)) ago"
        case .since(let p): return "since \(point(p))"
        case .absolute(let a, let b): return "from \(point(a)) to \(point(b))"
        case .calendar(let relation, let unit): return "\(relation.rawValue) \(unit.rawValue)"
        case .first(let x, .firstSeen): return "first \(d(x))"
        case .first(let x, let a): return "first \(d(x)) after \(anchor(a))"
        case .relative(let a, let b, let anchor): return "from \(d(a)) to \(d(b)) after \(self.anchor(anchor))"
        case .next(let x): return "next \(d(x))"
        }
    }
}
