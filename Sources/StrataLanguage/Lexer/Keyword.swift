/// A reserved word of the segment language.
///
/// A property named like a keyword is written in backticks (`` `from` ``).
public enum Keyword: String, CaseIterable, Sendable {
    /// The keyword `and`.
    case and
    /// The keyword `or`.
    case or
    /// The keyword `not`.
    case not
    /// The keyword `between`.
    case between
    /// The keyword `in`.
    case `in`
    /// The keyword `contains`.
    case contains
    /// The keyword `where`.
    case `where`
    /// The keyword `any`.
    case any
    /// The keyword `true`.
    case `true`
    /// The keyword `false`.
    case `false`
    /// The keyword `now`.
    case now
    /// The keyword `first_seen`.
    case firstSeen = "first_seen"
    /// The keyword `last_seen`.
    case lastSeen = "last_seen"
    /// The keyword `last`.
    case last
    /// The keyword `from`.
    case from
    /// The keyword `to`.
    case to
    /// The keyword `ago`.
    case ago
    /// The keyword `before`.
    case before
    /// The keyword `since`.
    case since
    /// The keyword `this`.
    case this
    /// The keyword `previous`.
    case previous
    /// The keyword `first`.
    case first
    /// The keyword `after`.
    case after
    /// The keyword `next`.
    case next
    /// The keyword `within`.
    case within
    /// The keyword `of`.
    case of
    /// The keyword `among`.
    case among
    /// The keyword `day`.
    case day
    /// The keyword `week`.
    case week
    /// The keyword `month`.
    case month
    /// The keyword `year`.
    case year

    /// The keywords that start a window.
    public static let windowStarts: [Keyword] = [.last, .from, .before, .since, .this, .previous, .first, .next]

    /// The keywords that continue an expression after an operand.
    public static let infixOperators: [Keyword] = [.and, .or, .between, .in, .contains, .where]

    /// The calendar unit this keyword names, if it names one.
    public var calendarUnit: CalendarUnit? { CalendarUnit(rawValue: rawValue) }
}
