/// The outcome of checking one expression.
public struct CheckResult: Sendable {
    /// The typed plan, or nil when there was an error.
    public var expression: TypedExpr?
    /// Errors and warnings, in the order found.
    public var diagnostics: [Diagnostic]
    /// The other definitions the expression refers to.
    public var references: [Reference]

    /// Whether any diagnostic is an error.
    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
}
