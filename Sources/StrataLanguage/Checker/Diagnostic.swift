/// A problem found in a definition, reported like a compiler does: file:line:col, what was expected,
/// and the nearest valid name when the problem is a misspelling.
public struct Diagnostic: Sendable, Hashable, CustomStringConvertible {
    /// How serious the problem is.
    public enum Severity: String, Sendable, Hashable {
        /// The definition cannot be used.
        case error
        /// The definition works but is probably not what was meant (an event name never seen, say).
        case warning
    }

    /// Whether this is an error or a warning.
    public var severity: Severity
    /// What kind of problem this is, for tools and tests.
    public var code: Code
    /// The full message, including any "did you mean" hint.
    public var message: String
    /// The workspace-relative file, when the problem is in a file.
    public var file: String?
    /// Where the problem is.
    public var range: SourceRange
    /// The nearest valid name, when there is one close enough.
    public var suggestion: String?

    /// A diagnostic from its parts; a suggestion is appended to the message as "; did you mean `x`?".
    public init(
        _ severity: Severity, _ code: Code, _ message: String, file: String? = nil, at range: SourceRange,
        suggestion: String? = nil
    ) {
        self.severity = severity
        self.code = code
        self.file = file
        self.range = range
        self.suggestion = suggestion
        if let suggestion {
            self.message = "\(message); did you mean `\(suggestion)`?"
        } else {
            self.message = message
        }
    }

    /// Where the problem starts.
    public var location: SourceLocation { range.start }

    /// `path:line:col: error: message` (the path is omitted when there is no file).
    public var description: String {
        let place = file.map { "\($0):\(location)" } ?? location.description
        return "\(place): \(severity.rawValue): \(message)"
    }

    /// The kind of a diagnostic; an open set of named values so that new kinds can be added.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        /// The code's name, e.g. `unknown-function`.
        public let name: String

        private init(_ name: String) { self.name = name }

        /// The code's name.
        public var description: String { name }

        /// A character or literal the lexer cannot read.
        public static let invalidToken = Code("invalid-token")
        /// A grammar error: something else was expected here.
        public static let syntax = Code("syntax")
        /// Nesting deeper than the parser allows.
        public static let tooDeep = Code("too-deep")
        /// A name that is not a function.
        public static let unknownFunction = Code("unknown-function")
        /// A word where a keyword was expected.
        public static let unknownKeyword = Code("unknown-keyword")
        /// A bare name used outside an event `where`, or an unknown `$field`.
        public static let unknownName = Code("unknown-name")
        /// A wrong number of arguments.
        public static let arity = Code("arity")
        /// A named argument the function does not take, or a repeated one.
        public static let unknownArgument = Code("unknown-argument")
        /// A required named argument is absent.
        public static let missingArgument = Code("missing-argument")
        /// A value of the wrong type.
        public static let typeMismatch = Code("type-mismatch")
        /// An argument of the wrong form (a selector, a property, a literal was needed).
        public static let invalidArgument = Code("invalid-argument")
        /// A window where none is allowed (inside `streak` / `count_periods`, or on a non-event function).
        public static let windowNotAllowed = Code("window-not-allowed")
        /// A window that selects nothing or is otherwise malformed.
        public static let invalidWindow = Code("invalid-window")
        /// `next D` outside a model label.
        public static let nextOutsideLabel = Code("next-outside-label")
        /// A function used where the profile kind does not allow it (`count_users` in a user segment...).
        public static let wrongScope = Code("wrong-scope")
        /// A `segment("x")` that names no segment.
        public static let unknownSegment = Code("unknown-segment")
        /// A `score.x` that names no score.
        public static let unknownScore = Code("unknown-score")
        /// A `stage.x` that names no stage model.
        public static let unknownStage = Code("unknown-stage")
        /// A `computed.x` that names no computed trait.
        public static let unknownComputed = Code("unknown-computed")
        /// An `rfm.x` field that does not exist.
        public static let unknownRFMField = Code("unknown-rfm-field")
        /// A trait name never seen (warning; only when known traits are supplied).
        public static let unknownTrait = Code("unknown-trait")
        /// An event name never seen in the store (warning; only when known events are supplied).
        public static let unknownEvent = Code("unknown-event")
        /// A numeric aggregate over a property that the stored events hold as text (warning).
        public static let textNumbers = Code("text-numbers")
        /// Definitions that depend on each other in a loop.
        public static let cycle = Code("cycle")
        /// A YAML key a definition does not have.
        public static let unknownKey = Code("unknown-key")
        /// A required YAML key is absent.
        public static let missingKey = Code("missing-key")
        /// A YAML value of the wrong shape or out of range.
        public static let invalidValue = Code("invalid-value")
        /// A definition file name that is not kebab-case, or a duplicate name.
        public static let invalidName = Code("invalid-name")
        /// YAML that does not parse.
        public static let yaml = Code("yaml")
        /// A file that cannot be read.
        public static let io = Code("io")
        /// A logistic score with no trained model for its definition (warning; it evaluates to missing).
        public static let untrainedModel = Code("untrained-model")
        /// An environment variable that a `${NAME}` reads is not set.
        public static let missingSecret = Code("missing-secret")
        /// A name that is not a destination.
        public static let unknownDestination = Code("unknown-destination")
        /// A name that is not a template.
        public static let unknownTemplate = Code("unknown-template")
        /// A Mustache template that does not parse.
        public static let templateSyntax = Code("template-syntax")
        /// A construct the configured store cannot evaluate (`store: clickhouse` and a construct outside its SQL subset).
        public static let unsupportedOnClickHouse = Code("unsupported-on-clickhouse")
    }
}

extension Diagnostic {
    /// Orders diagnostics by file, then position, then message.
    public static func sortedForDisplay(_ diagnostics: [Diagnostic]) -> [Diagnostic] {
        diagnostics.sorted { a, b in
            if (a.file ?? "") != (b.file ?? "") { return (a.file ?? "") < (b.file ?? "") }
            if a.location != b.location { return a.location < b.location }
            return a.message < b.message
        }
    }
}
