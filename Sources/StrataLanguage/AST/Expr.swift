/// A parsed, unchecked expression: the syntax tree the parser produces and the checker lowers.
public struct Expr: Sendable, Equatable {
    /// What the expression is.
    public var kind: Kind
    /// Where it is written.
    public var range: SourceRange
    /// The height of the tree under this node (a leaf is 1); the parser caps it.
    public let depth: Int

    /// A node; its depth is computed from its children.
    public init(_ kind: Kind, _ range: SourceRange) {
        self.kind = kind
        self.range = range
        self.depth = 1 + kind.children.reduce(0) { max($0, $1.depth) }
    }

    /// The forms of expression.
    public indirect enum Kind: Sendable, Equatable {
        /// `42`, `0.4`.
        case number(Double)
        /// `"text"`.
        case string(String)
        /// `true`, `false`.
        case bool(Bool)
        /// `30s`, `7d`, in milliseconds.
        case duration(milliseconds: Int64)
        /// `2026-11-01`.
        case date(DateLiteral)
        /// `2026-11-01T10:00:00Z`, in UTC milliseconds.
        case instant(milliseconds: Int64)
        /// `now`.
        case now
        /// `first_seen`.
        case firstSeen
        /// `last_seen`.
        case lastSeen
        /// `any`: every track, page and screen event (valid only as an event selector).
        case any
        /// `day`, `week`, `month`, `year` (valid only as a `streak` / `count_periods` period).
        case unit(CalendarUnit)
        /// A name or dotted path, resolved by the checker: a property, `trait.x`, `score.x`...
        case path(Path)
        /// `[a, b, c]` (valid only after `in`).
        case list([Expr])
        /// `-x` or `not x`.
        case unary(UnaryOperator, Expr)
        /// `a + b`, `a = b`, `a and b`...
        case binary(BinaryOperator, Expr, Expr)
        /// `x between low and high`.
        case between(Expr, low: Expr, high: Expr)
        /// `x in [a, b]`; the list is a `.list` node.
        case `in`(Expr, Expr)
        /// `x contains y`.
        case contains(Expr, Expr)
        /// `name(arguments)`.
        case call(name: String, nameRange: SourceRange, arguments: [Argument])
        /// `account.EXPR`: EXPR evaluated for the user's account.
        case account(Expr)
        /// `SELECTOR where CONDITION` (valid only as an event-selector argument or window anchor).
        case filtered(Expr, where: Expr)

        /// The direct sub-expressions.
        var children: [Expr] {
            switch self {
            case .number, .string, .bool, .duration, .date, .instant, .now, .firstSeen, .lastSeen, .any, .unit, .path:
                []
            case .list(let items): items
            case .unary(_, let e), .account(let e): [e]
            case .binary(_, let a, let b), .in(let a, let b), .contains(let a, let b), .filtered(let a, let b): [a, b]
            case .between(let x, let low, let high): [x, low, high]
            case .call(_, _, let arguments): arguments.flatMap(\.children)
            }
        }
    }

    /// Prefix operators.
    public enum UnaryOperator: String, Sendable, Equatable {
        /// Arithmetic negation `-x`.
        case negate = "-"
        /// Logical negation `not x`.
        case not
    }

    /// Infix operators other than between / in / contains.
    public enum BinaryOperator: String, Sendable, Equatable, CaseIterable {
        /// `*`
        case multiply = "*"
        /// `/`
        case divide = "/"
        /// `+`
        case add = "+"
        /// `-`
        case subtract = "-"
        /// `=`
        case equal = "="
        /// `!=`
        case notEqual = "!="
        /// `<`
        case less = "<"
        /// `<=`
        case lessEqual = "<="
        /// `>`
        case greater = ">"
        /// `>=`
        case greaterEqual = ">="
        /// `and`
        case and
        /// `or`
        case or

        /// Whether the operator is one of `= != < <= > >=`.
        public var isComparison: Bool {
            switch self {
            case .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual: true
            default: false
            }
        }
    }
}
