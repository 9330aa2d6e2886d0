import StrataLanguage

/// A walk over every node of a plan, with the kind of profile each node is evaluated for.
enum PlanWalk {
    /// What the walk meets.
    enum Item {
        /// An expression node.
        case node(TypedExpr)
        /// Events read through a selector, with the property an aggregate reads from them (if any).
        case events(EventSelector, Field?)
    }

    /// Visits `expr` and everything under it, switching scope at `account.` and `count_users`.
    static func walk(_ expr: TypedExpr, scope: ProfileKind, _ visit: (Item, ProfileKind) -> Void) {
        visit(.node(expr), scope)
        func sub(_ e: TypedExpr, _ s: ProfileKind = scope) { walk(e, scope: s, visit) }
        func events(_ selector: EventSelector, _ field: Field? = nil) {
            visit(.events(selector, field), scope)
            if let condition = selector.condition { sub(condition) }
        }
        func window(_ w: Window) {
            switch w {
            case .first(_, .firstEvent(let selector)), .relative(_, _, .firstEvent(let selector)):
                events(selector)
            default:
                break
            }
        }
        switch expr.node {
        case .literal, .now, .firstSeen, .lastSeen, .property, .eventField, .trait, .computed, .score, .stage,
            .rfm, .segment:
            break
        case .account(let inner):
            sub(inner, .accounts)
        case .countUsers(let inner):
            sub(inner, .users)
        case .negate(let a), .not(let a), .exists(let a):
            sub(a)
        case .and(let a, let b), .or(let a, let b), .arithmetic(_, let a, let b), .comparison(_, let a, let b),
            .contains(let a, let b), .daysBetween(let a, let b):
            sub(a)
            sub(b)
        case .between(let x, let low, let high):
            sub(x)
            sub(low)
            sub(high)
        case .inList(let x, let items):
            sub(x)
            items.forEach { sub($0) }
        case .aggregate(let aggregate):
            events(aggregate.selector, aggregate.function.field)
            window(aggregate.window)
        case .share(let a, let b, let w):
            events(a)
            events(b)
            window(w)
        case .sequence(let sequence):
            sequence.steps.forEach { events($0) }
            window(sequence.window)
        case .streak(_, let condition), .countPeriods(_, let condition, _):
            sub(condition)
        case .percentile(let inner, _):
            sub(inner)
        case .math(_, let arguments), .coalesce(let arguments):
            arguments.forEach { sub($0) }
        }
    }
}

extension AggregateFunction {
    /// The property argument, for the functions that take one.
    var field: Field? {
        switch self {
        case .countDistinct(let f), .sum(let f), .average(let f), .minimum(let f), .maximum(let f), .top(let f),
            .topShare(let f):
            f
        default:
            nil
        }
    }
}
