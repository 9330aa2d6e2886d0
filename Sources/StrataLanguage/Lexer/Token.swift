/// One lexical unit of an expression, with its source range.
public struct Token: Sendable, Equatable {
    /// What the token is.
    public var kind: Kind
    /// Where it is.
    public var range: SourceRange
    /// Its source text as written.
    public var text: String

    /// A token from its parts.
    public init(kind: Kind, range: SourceRange, text: String) {
        self.kind = kind
        self.range = range
        self.text = text
    }

    /// The kinds of token.
    public enum Kind: Sendable, Equatable {
        /// A number literal, `42` or `0.4`.
        case number(Double)
        /// A double-quoted string literal, unescaped.
        case string(String)
        /// A duration literal (`30s 15m 2h 7d 4w`), in milliseconds.
        case duration(milliseconds: Int64)
        /// A date literal `2026-11-01`: midnight in the workspace timezone.
        case date(DateLiteral)
        /// An instant literal `2026-11-01T10:00:00Z`, in milliseconds since 1970 UTC.
        case instant(milliseconds: Int64)
        /// A name or dotted path: `revenue`, `a.b.c`, `` `Plan Name` ``, `score.churn-risk`, `$weekday`.
        case identifier(Path)
        /// A reserved word.
        case keyword(Keyword)
        /// An operator or punctuation mark.
        case symbol(Symbol)
        /// The end of the text.
        case end
    }

    /// Operators and punctuation.
    public enum Symbol: String, Sendable, CaseIterable {
        /// `+`
        case plus = "+"
        /// `-`
        case minus = "-"
        /// `*`
        case star = "*"
        /// `/`
        case slash = "/"
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
        /// `(`
        case leftParen = "("
        /// `)`
        case rightParen = ")"
        /// `[`
        case leftBracket = "["
        /// `]`
        case rightBracket = "]"
        /// `,`
        case comma = ","
        /// `:`
        case colon = ":"
        /// `.`
        case dot = "."
    }

    /// A short description for messages: `` `and` ``, `"Logged In"`, `end of input`.
    public var described: String {
        switch kind {
        case .end: "end of input"
        case .string: text
        default: "`\(text)`"
        }
    }
}
