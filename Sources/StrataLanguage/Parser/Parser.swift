import StrataCore

/// Parses an expression of the segment language into an `Expr` (LANGUAGE.md §3-6).
///
/// Precedence, loosest first: `or`, `and`, `not`, `between` / `in` / `contains`, comparisons
/// (`= != < <= > >=`), `+ -`, `* /`, prefix `-`. Comparisons and `between` / `in` / `contains` do not
/// chain. In call arguments, a window (`last 7d`...), a named argument (`within: 2h`) or an expression
/// optionally followed by `where CONDITION` (an event selector) is accepted; the checker decides which
/// each function takes. The parser stops at the first syntax error of an expression and caps nesting
/// at `maximumDepth`, so no input can exhaust the stack.
public struct Parser {
    /// The expression, when it parsed, and the diagnostics (lexical and syntax errors).
    public struct Result: Sendable {
        /// The syntax tree, or nil when there was an error.
        public var expression: Expr?
        /// Errors found while lexing and parsing.
        public var diagnostics: [Diagnostic]
    }

    /// The deepest nesting accepted (parentheses, calls, operators); deeper input is an error.
    public static let maximumDepth = 256

    private struct Abort: Error {}

    private let tokens: [Token]
    private let file: String?
    private var position = 0
    private var depth = 0
    private var diagnostics: [Diagnostic] = []

    private init(tokens: [Token], file: String?) {
        self.tokens = tokens
        self.file = file
    }

    /// Parses a whole expression.
    public static func parse(_ source: SourceText) -> Result {
        let lexed = Lexer.tokenize(source)
        guard lexed.diagnostics.isEmpty else {
            return Result(expression: nil, diagnostics: lexed.diagnostics)
        }
        var parser = Parser(tokens: lexed.tokens, file: source.file)
        do {
            let expression = try parser.parseSelectorExpression()
            guard case .end = parser.current.kind else {
                parser.unexpected(
                    expected: "an operator or the end of the expression", candidates: Keyword.infixOperators)
                throw Abort()
            }
            return Result(expression: expression, diagnostics: parser.diagnostics)
        } catch {
            return Result(expression: nil, diagnostics: parser.diagnostics)
        }
    }

    /// Parses a standalone expression.
    public static func parse(_ text: String) -> Result {
        parse(SourceText(text))
    }

    // MARK: Tokens

    private var current: Token { tokens[min(position, tokens.count - 1)] }

    private func peek(_ offset: Int) -> Token { tokens[min(position + offset, tokens.count - 1)] }

    private mutating func advance() -> Token {
        let token = current
        if position < tokens.count - 1 { position += 1 }
        return token
    }

    private func isSymbol(_ symbol: Token.Symbol, _ token: Token? = nil) -> Bool {
        if case .symbol(let s) = (token ?? current).kind { return s == symbol }
        return false
    }

    private func isKeyword(_ keyword: Keyword, _ token: Token? = nil) -> Bool {
        if case .keyword(let k) = (token ?? current).kind { return k == keyword }
        return false
    }

    private mutating func error(
        _ message: String, at range: SourceRange? = nil, code: Diagnostic.Code = .syntax, suggestion: String? = nil
    ) {
        diagnostics.append(
            Diagnostic(.error, code, message, file: file, at: range ?? current.range, suggestion: suggestion))
    }

    /// Reports "expected X, found Y", suggesting a keyword when Y is a misspelt one.
    private mutating func unexpected(expected: String, candidates: [Keyword] = []) {
        var suggestion: String?
        if case .identifier(let path) = current.kind, path.segments.count == 1, !path.quotedFirst {
            suggestion = Suggestion.nearest(to: path.segments[0], in: candidates.map(\.rawValue))
        }
        error(
            "expected \(expected), found \(current.described)", code: suggestion == nil ? .syntax : .unknownKeyword,
            suggestion: suggestion)
    }

    private mutating func expect(_ symbol: Token.Symbol, _ expected: String) throws -> Token {
        guard isSymbol(symbol) else {
            unexpected(expected: expected, candidates: Keyword.infixOperators)
            throw Abort()
        }
        return advance()
    }

    private mutating func expect(_ keyword: Keyword, _ expected: String) throws -> Token {
        guard isKeyword(keyword) else {
            unexpected(expected: expected, candidates: [keyword])
            throw Abort()
        }
        return advance()
    }

    /// Builds a node, rejecting trees deeper than the cap.
    private mutating func node(_ kind: Expr.Kind, _ range: SourceRange) throws -> Expr {
        let expr = Expr(kind, range)
        if expr.depth > Parser.maximumDepth {
            error(
                "expression is nested too deeply (more than \(Parser.maximumDepth) levels)", at: range, code: .tooDeep)
            throw Abort()
        }
        return expr
    }

    private mutating func enter() throws {
        depth += 1
        if depth > Parser.maximumDepth {
            error("expression is nested too deeply (more than \(Parser.maximumDepth) levels)", code: .tooDeep)
            throw Abort()
        }
    }

    // MARK: Operators

    /// `EXPR` optionally followed by `where CONDITION`.
    private mutating func parseSelectorExpression() throws -> Expr {
        let base = try parseExpression()
        guard isKeyword(.where) else { return base }
        _ = advance()
        let condition = try parseExpression()
        return try node(.filtered(base, where: condition), base.range.union(condition.range))
    }

    private mutating func parseExpression() throws -> Expr {
        try enter()
        defer { depth -= 1 }
        return try parseOr()
    }

    private mutating func parseOr() throws -> Expr {
        var left = try parseAnd()
        while isKeyword(.or) {
            _ = advance()
            let right = try parseAnd()
            left = try node(.binary(.or, left, right), left.range.union(right.range))
        }
        return left
    }

    private mutating func parseAnd() throws -> Expr {
        var left = try parseNot()
        while isKeyword(.and) {
            _ = advance()
            let right = try parseNot()
            left = try node(.binary(.and, left, right), left.range.union(right.range))
        }
        return left
    }

    private mutating func parseNot() throws -> Expr {
        guard isKeyword(.not) else { return try parsePredicate() }
        let keyword = advance()
        try enter()
        defer { depth -= 1 }
        let operand = try parseNot()
        return try node(.unary(.not, operand), keyword.range.union(operand.range))
    }

    /// `comparison [between a and b | in [list] | contains y]`.
    private mutating func parsePredicate() throws -> Expr {
        let left = try parseComparison()
        let result: Expr
        switch current.kind {
        case .keyword(.between):
            _ = advance()
            let low = try parseComparison()
            _ = try expect(.and, "`and` between the bounds of `between`")
            let high = try parseComparison()
            result = try node(.between(left, low: low, high: high), left.range.union(high.range))
        case .keyword(.in):
            _ = advance()
            guard isSymbol(.leftBracket) else {
                unexpected(expected: "a list such as [\"a\", \"b\"] after `in`")
                throw Abort()
            }
            let list = try parsePrimary()
            result = try node(.in(left, list), left.range.union(list.range))
        case .keyword(.contains):
            _ = advance()
            let right = try parseComparison()
            result = try node(.contains(left, right), left.range.union(right.range))
        case .keyword(.not)
        where isKeyword(.in, peek(1)) || isKeyword(.contains, peek(1)) || isKeyword(.between, peek(1)):
            error("`not` goes before the whole condition: write `not (x \(peek(1).text) ...)`")
            throw Abort()
        default:
            return left
        }
        switch current.kind {
        case .keyword(.between), .keyword(.in), .keyword(.contains):
            error("`\(current.text)` cannot follow another `between`, `in` or `contains`: use parentheses or `and`")
            throw Abort()
        default:
            return result
        }
    }

    private static func comparisonOperator(_ token: Token) -> Expr.BinaryOperator? {
        guard case .symbol(let symbol) = token.kind else { return nil }
        switch symbol {
        case .equal: return .equal
        case .notEqual: return .notEqual
        case .less: return .less
        case .lessEqual: return .lessEqual
        case .greater: return .greater
        case .greaterEqual: return .greaterEqual
        default: return nil
        }
    }

    private mutating func parseComparison() throws -> Expr {
        let left = try parseAdditive()
        guard let op = Parser.comparisonOperator(current) else { return left }
        _ = advance()
        let right = try parseAdditive()
        if Parser.comparisonOperator(current) != nil {
            error("comparisons cannot be chained: combine them with `and`")
            throw Abort()
        }
        return try node(.binary(op, left, right), left.range.union(right.range))
    }

    private mutating func parseAdditive() throws -> Expr {
        var left = try parseMultiplicative()
        while isSymbol(.plus) || isSymbol(.minus) {
            let op: Expr.BinaryOperator = isSymbol(.plus) ? .add : .subtract
            _ = advance()
            let right = try parseMultiplicative()
            left = try node(.binary(op, left, right), left.range.union(right.range))
        }
        return left
    }

    private mutating func parseMultiplicative() throws -> Expr {
        var left = try parseUnary()
        while isSymbol(.star) || isSymbol(.slash) {
            let op: Expr.BinaryOperator = isSymbol(.star) ? .multiply : .divide
            _ = advance()
            let right = try parseUnary()
            left = try node(.binary(op, left, right), left.range.union(right.range))
        }
        return left
    }

    private mutating func parseUnary() throws -> Expr {
        guard isSymbol(.minus) else { return try parsePrimary() }
        let minus = advance()
        try enter()
        defer { depth -= 1 }
        let operand = try parseUnary()
        return try node(.unary(.negate, operand), minus.range.union(operand.range))
    }

    // MARK: Primaries

    private mutating func parsePrimary() throws -> Expr {
        let token = current
        switch token.kind {
        case .number(let value):
            _ = advance()
            return try node(.number(value), token.range)
        case .string(let value):
            _ = advance()
            return try node(.string(value), token.range)
        case .duration(let ms):
            _ = advance()
            return try node(.duration(milliseconds: ms), token.range)
        case .date(let date):
            _ = advance()
            return try node(.date(date), token.range)
        case .instant(let ms):
            _ = advance()
            return try node(.instant(milliseconds: ms), token.range)
        case .keyword(let keyword):
            return try parseKeywordPrimary(keyword, token)
        case .symbol(.leftParen):
            _ = advance()
            let inner = try parseExpression()
            if isKeyword(.where) {
                error(
                    "`where` applies to a whole event-selector argument: write (\"A\" or \"B\") where ..., "
                        + "not (\"A\" where ...)")
                throw Abort()
            }
            let close = try expect(.rightParen, "`)`")
            return try node(inner.kind, token.range.union(close.range))
        case .symbol(.leftBracket):
            return try parseList()
        case .identifier(let path):
            _ = advance()
            return try parsePath(path, token.range)
        case .end:
            unexpected(expected: "a value")
            throw Abort()
        default:
            unexpected(expected: "a value")
            throw Abort()
        }
    }

    private mutating func parseKeywordPrimary(_ keyword: Keyword, _ token: Token) throws -> Expr {
        let kind: Expr.Kind
        switch keyword {
        case .true: kind = .bool(true)
        case .false: kind = .bool(false)
        case .now: kind = .now
        case .firstSeen: kind = .firstSeen
        case .lastSeen: kind = .lastSeen
        case .any: kind = .any
        case .day, .week, .month, .year: kind = .unit(keyword.calendarUnit ?? .day)
        case .last, .from, .before, .since, .this, .previous, .first, .next:
            error("a window (`\(keyword.rawValue) ...`) can only be the last argument of an event function")
            throw Abort()
        default:
            unexpected(expected: "a value")
            throw Abort()
        }
        _ = advance()
        return try node(kind, token.range)
    }

    private mutating func parseList() throws -> Expr {
        let open = advance()
        var items: [Expr] = []
        if !isSymbol(.rightBracket) {
            while true {
                items.append(try parseExpression())
                if isSymbol(.comma) {
                    _ = advance()
                    continue
                }
                break
            }
        }
        let close = try expect(.rightBracket, "`,` or `]` in the list")
        return try node(.list(items), open.range.union(close.range))
    }

    /// A path, a call (`name(...)`), or `account.EXPR`.
    private mutating func parsePath(_ path: Path, _ range: SourceRange) throws -> Expr {
        if !path.quotedFirst, path.segments.first == "account" {
            if path.segments.count > 1 {
                try enter()
                defer { depth -= 1 }
                let rest = Array(path.segments.dropFirst())
                // `account.first_seen`, `account.last_seen`, `account.now`: the lexer read one dotted path.
                if rest.count == 1, let keyword = Keyword(rawValue: rest[0]) {
                    let kind: Expr.Kind? =
                        switch keyword {
                        case .firstSeen: .firstSeen
                        case .lastSeen: .lastSeen
                        case .now: .now
                        default: nil
                        }
                    if let kind { return try node(.account(try node(kind, range)), range) }
                }
                let inner = try parsePath(Path(rest), range)
                return try node(.account(inner), range.union(inner.range))
            }
            if isSymbol(.dot) {
                _ = advance()
                try enter()
                defer { depth -= 1 }
                let inner = try parsePrimary()
                return try node(.account(inner), range.union(inner.range))
            }
        }
        guard isSymbol(.leftParen) else { return try node(.path(path), range) }
        return try parseCall(name: path.description, nameRange: range)
    }

    private mutating func parseCall(name: String, nameRange: SourceRange) throws -> Expr {
        _ = advance()  // (
        try enter()
        defer { depth -= 1 }
        var arguments: [Argument] = []
        if !isSymbol(.rightParen) {
            while true {
                arguments.append(try parseArgument())
                if isSymbol(.comma) {
                    _ = advance()
                    continue
                }
                break
            }
        }
        guard isSymbol(.rightParen) else {
            unexpected(expected: "`,` or `)` to close the call to `\(name)`", candidates: Keyword.infixOperators)
            throw Abort()
        }
        let close = advance()
        return try node(.call(name: name, nameRange: nameRange, arguments: arguments), nameRange.union(close.range))
    }

    private mutating func parseArgument() throws -> Argument {
        let start = current
        if case .keyword(let keyword) = start.kind, Keyword.windowStarts.contains(keyword) {
            let window = try parseWindow()
            return Argument(.window(window), window.range)
        }
        let nameText: String? =
            switch start.kind {
            case .identifier(let path) where path.segments.count == 1 && !path.quotedFirst: path.segments[0]
            case .keyword(let keyword): keyword.rawValue
            default: nil
            }
        if let nameText, isSymbol(.colon, peek(1)) {
            _ = advance()
            _ = advance()
            let value = try parseSelectorExpression()
            return Argument(
                .named(name: nameText, nameRange: start.range, value: value), start.range.union(value.range))
        }
        if case .identifier(let path) = start.kind, path.segments.count == 1, !path.quotedFirst {
            switch peek(1).kind {
            case .duration, .date, .instant, .number, .keyword(.day), .keyword(.week), .keyword(.month),
                .keyword(.year):
                let word = path.segments[0]
                error(
                    "unknown window `\(word)`: expected last, from, before, since, this, previous, first or next",
                    at: start.range, code: .unknownKeyword,
                    suggestion: Suggestion.nearest(to: word, in: Keyword.windowStarts.map(\.rawValue)))
                throw Abort()
            default:
                break
            }
        }
        let value = try parseSelectorExpression()
        return Argument(.positional(value), value.range)
    }

    // MARK: Windows

    private mutating func parseWindow() throws -> WindowSyntax {
        let start = advance()
        guard case .keyword(let keyword) = start.kind else {
            unexpected(expected: "a window")
            throw Abort()
        }
        let kind: WindowSyntax.Kind
        switch keyword {
        case .last:
            kind = .last(try expectDuration(after: "`last`"))
        case .next:
            kind = .next(try expectDuration(after: "`next`"))
        case .before:
            let duration = try expectDuration(after: "`before`", example: "before 30d ago")
            _ = try expect(.ago, "`ago` after the duration (e.g. `before 30d ago`)")
            kind = .before(duration)
        case .since:
            if case .duration = current.kind {
                error("`since` takes a date such as 2026-01-01; for a duration write `last \(current.text)`")
                throw Abort()
            }
            kind = .since(try expectTimePoint(after: "`since`"))
        case .this, .previous:
            guard case .keyword(let unitKeyword) = current.kind, let unit = unitKeyword.calendarUnit else {
                unexpected(
                    expected: "day, week, month or year after `\(keyword.rawValue)`",
                    candidates: [.day, .week, .month, .year])
                throw Abort()
            }
            _ = advance()
            kind = keyword == .this ? .this(unit) : .previous(unit)
        case .first:
            let duration = try expectDuration(after: "`first`")
            if isKeyword(.after) {
                _ = advance()
                kind = .first(duration, anchor: try parseAnchor())
            } else {
                kind = .first(duration, anchor: nil)
            }
        case .from:
            kind = try parseFromWindow()
        default:
            unexpected(expected: "a window")
            throw Abort()
        }
        let end = tokens[max(0, position - 1)].range
        return WindowSyntax(kind, start.range.union(end))
    }

    private mutating func parseFromWindow() throws -> WindowSyntax.Kind {
        switch current.kind {
        case .duration(let from):
            _ = advance()
            if isKeyword(.ago) {
                _ = advance()
                _ = try expect(.to, "`to` (e.g. `from 60d ago to 30d ago`)")
                let to = try expectDuration(after: "`to`", example: "from 60d ago to 30d ago")
                _ = try expect(.ago, "`ago` after the duration (e.g. `from 60d ago to 30d ago`)")
                return .agoRange(from: from, to: to)
            }
            _ = try expect(.to, "`ago` or `to` (e.g. `from 60d ago to 30d ago` or `from 7d to 14d after first_seen`)")
            let to = try expectDuration(after: "`to`", example: "from 7d to 14d after first_seen")
            if isKeyword(.ago) {
                error("both ends need `ago`: write `from D1 ago to D2 ago`, or `from D1 to D2 after first_seen`")
                throw Abort()
            }
            _ = try expect(.after, "`after` and an anchor (e.g. `from 7d to 14d after first_seen`)")
            return .relative(from: from, to: to, anchor: try parseAnchor())
        case .date, .instant:
            let from = try expectTimePoint(after: "`from`")
            _ = try expect(.to, "`to` (e.g. `from 2026-01-01 to 2026-02-01`)")
            let to = try expectTimePoint(after: "`to`")
            return .absolute(from: from, to: to)
        default:
            unexpected(
                expected:
                    "a duration (`from 60d ago to 30d ago`) or a date (`from 2026-01-01 to 2026-02-01`) after `from`"
            )
            throw Abort()
        }
    }

    /// `first_seen` or an event selector, optionally with `where`.
    private mutating func parseAnchor() throws -> WindowSyntax.AnchorSyntax {
        if isKeyword(.firstSeen) {
            _ = advance()
            return .firstSeen
        }
        switch current.kind {
        case .string, .keyword(.any), .symbol(.leftParen):
            break
        default:
            unexpected(expected: "`first_seen` or an event name in quotes after `after`")
            throw Abort()
        }
        try enter()
        defer { depth -= 1 }
        let base = try parsePrimary()
        guard isKeyword(.where) else { return .event(base) }
        _ = advance()
        let condition = try parseExpression()
        return .event(try node(.filtered(base, where: condition), base.range.union(condition.range)))
    }

    private mutating func expectDuration(after what: String, example: String? = nil) throws -> Int64 {
        guard case .duration(let ms) = current.kind else {
            let hint = example.map { " (e.g. `\($0)`)" } ?? " such as 7d"
            if case .number = current.kind {
                error("expected a duration with a unit (s, m, h, d or w) after \(what), found \(current.described)")
            } else {
                unexpected(expected: "a duration\(hint) after \(what)")
            }
            throw Abort()
        }
        _ = advance()
        return ms
    }

    private mutating func expectTimePoint(after what: String) throws -> TimePoint {
        switch current.kind {
        case .date(let date):
            _ = advance()
            return .date(date)
        case .instant(let ms):
            _ = advance()
            return .instant(milliseconds: ms)
        default:
            unexpected(expected: "a date such as 2026-01-01 after \(what)")
            throw Abort()
        }
    }
}
