/// One argument of a call.
public struct Argument: Sendable, Equatable {
    /// What the argument is.
    public var kind: Kind
    /// Where it is written.
    public var range: SourceRange

    /// An argument from its parts.
    public init(_ kind: Kind, _ range: SourceRange) {
        self.kind = kind
        self.range = range
    }

    /// The forms of argument.
    public enum Kind: Sendable, Equatable {
        /// An expression (possibly `SELECTOR where CONDITION`).
        case positional(Expr)
        /// `name: value`, e.g. `within: 2h`, `of: "A"`, `among: "paying"`.
        case named(name: String, nameRange: SourceRange, value: Expr)
        /// A window: `last 7d`, `from 60d ago to 30d ago`...
        case window(WindowSyntax)
    }

    /// The expressions inside the argument.
    var children: [Expr] {
        switch kind {
        case .positional(let e), .named(_, _, let e): [e]
        case .window(let window): window.anchorExpression.map { [$0] } ?? []
        }
    }
}
