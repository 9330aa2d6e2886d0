/// A window as written (LANGUAGE.md §5), with durations and dates already read; the checker
/// validates it and resolves it into a `Window`.
public struct WindowSyntax: Sendable, Equatable {
    /// Which window.
    public var kind: Kind
    /// Where it is written.
    public var range: SourceRange

    /// A window from its parts.
    public init(_ kind: Kind, _ range: SourceRange) {
        self.kind = kind
        self.range = range
    }

    /// The forms of window; durations are in milliseconds.
    public enum Kind: Sendable, Equatable {
        /// `last D`.
        case last(Int64)
        /// `next D` (model labels only).
        case next(Int64)
        /// `from D1 ago to D2 ago`.
        case agoRange(from: Int64, to: Int64)
        /// `before D ago`.
        case before(Int64)
        /// `since DATE`.
        case since(TimePoint)
        /// `from DATE to DATE`.
        case absolute(from: TimePoint, to: TimePoint)
        /// `this UNIT`.
        case this(CalendarUnit)
        /// `previous UNIT`.
        case previous(CalendarUnit)
        /// `first D` or `first D after ANCHOR`.
        case first(Int64, anchor: AnchorSyntax?)
        /// `from D1 to D2 after ANCHOR`.
        case relative(from: Int64, to: Int64, anchor: AnchorSyntax)
    }

    /// The anchor of `first D after ...` / `from D1 to D2 after ...`.
    public enum AnchorSyntax: Sendable, Equatable {
        /// `first_seen`.
        case firstSeen
        /// An event selector: `"Trial Started"`, `("A" or "B") where x = 1`.
        case event(Expr)
    }

    /// The selector expression of the anchor, when there is one.
    var anchorExpression: Expr? {
        switch kind {
        case .first(_, .event(let e)?), .relative(_, _, .event(let e)): e
        default: nil
        }
    }
}
