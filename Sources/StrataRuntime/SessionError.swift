import StrataCore
import StrataLanguage

/// Why an evaluation session could not be had or used: the definitions have errors, a name is not
/// defined, an argument is out of range, the store failed, or evaluation failed. The server maps ``code`` to an HTTP status; the
/// command line prints ``description``.
public struct SessionError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure this is.
    public enum Code: String, Sendable {
        /// The definitions have errors (``SessionError/diagnostics``).
        case invalidDefinitions = "invalid_definitions"
        /// A segment, score or other definition named by the caller does not exist.
        case unknownDefinition = "unknown_definition"
        /// The store could not be read.
        case store = "store_failed"
        /// A definition could not be evaluated.
        case evaluation = "evaluation_failed"
        /// An argument of the request is out of its range (a window that ends before it starts, say).
        case invalidArgument = "invalid_argument"
    }

    /// What kind of failure this is.
    public var code: Code
    /// What went wrong, for a person.
    public var message: String
    /// The definitions' diagnostics, errors and warnings, for ``Code/invalidDefinitions``.
    public var diagnostics: [Diagnostic]

    /// A failure from its parts.
    public init(_ code: Code, _ message: String, diagnostics: [Diagnostic] = []) {
        self.code = code
        self.message = message
        self.diagnostics = diagnostics
    }

    /// The definitions have errors.
    public static func invalid(_ diagnostics: [Diagnostic]) -> SessionError {
        let errors = diagnostics.filter { $0.severity == .error }.count
        return SessionError(
            .invalidDefinitions, "the definitions have \(errors) error\(errors == 1 ? "" : "s")",
            diagnostics: Diagnostic.sortedForDisplay(diagnostics))
    }

    /// The store failed.
    public static func store(_ error: any Error) -> SessionError {
        SessionError(.store, "cannot read the store: \(PlainError.describe(error))")
    }

    public var description: String { message }
}
