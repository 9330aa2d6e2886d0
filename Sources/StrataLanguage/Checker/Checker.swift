/// Types an expression and lowers it to a `TypedExpr` plan, reporting every problem it finds.
///
/// Catches unknown functions, names, segments, scores, stages and computed traits (with the nearest
/// valid name), type errors (`count("A") > "x"`, `did("A") + 1`), wrong arity and unknown named
/// arguments, windows inside `streak` / `count_periods`, `next` outside model labels, profile-kind
/// misuse (`count_users` outside account segments), and statically mixed-type comparisons. Event and
/// trait names missing from the supplied known sets are warnings. Missing values are a run-time matter.
public struct Checker: Sendable {
    /// The names expressions may refer to.
    public var symbols: Symbols

    /// A checker over the given symbols.
    public init(symbols: Symbols = Symbols()) {
        self.symbols = symbols
    }

    /// Parses and checks expression text.
    public func check(_ source: SourceText, role: ExpressionRole, scope: ProfileKind = .users) -> CheckResult {
        let parsed = Parser.parse(source)
        guard let expression = parsed.expression else {
            return CheckResult(expression: nil, diagnostics: parsed.diagnostics, references: [])
        }
        var result = check(expression, file: source.file, role: role, scope: scope)
        result.diagnostics = parsed.diagnostics + result.diagnostics
        return result
    }

    /// Parses and checks a standalone expression.
    public func check(
        _ text: String, role: ExpressionRole = .segmentCondition, scope: ProfileKind = .users
    )
        -> CheckResult
    {
        check(SourceText(text), role: role, scope: scope)
    }

    /// Checks a parsed expression.
    public func check(_ expression: Expr, file: String?, role: ExpressionRole, scope: ProfileKind) -> CheckResult {
        var run = CheckRun(symbols: symbols, file: file, role: role)
        let context = CheckRun.Context(scope: scope, allowNext: role == .modelLabel)
        var typed = run.check(expression, context)
        if let result = typed, result.type != .dynamic, !role.allowedTypes.contains(result.type) {
            run.error(
                .typeMismatch, "\(role.subject) must be \(role.expectation), found \(result.type)", at: result.range)
            typed = nil
        }
        let hasErrors = run.diagnostics.contains { $0.severity == .error }
        return CheckResult(
            expression: hasErrors ? nil : typed, diagnostics: run.diagnostics, references: run.references)
    }
}
