/// The nodes of a typed plan. Each case documents what the engine computes.
///
/// Context: every plan is evaluated for one profile at one instant `now`. In a definition `of: accounts`
/// the profile is an account: event functions read the events of all the account's users and `.trait`
/// reads account traits. `.countUsers` switches to each member user; `.account` switches to the user's account.
public indirect enum PlanNode: Sendable, Equatable {
    /// A constant.
    case literal(Literal)
    /// The evaluation instant (timestamp).
    case now
    /// The profile's first track/page/screen event time (timestamp; missing when none).
    case firstSeen
    /// The profile's last track/page/screen event time (timestamp; missing when none).
    case lastSeen
    /// Inside an event `where` condition: a property of the event being tested (dynamic; missing when absent).
    case property([String])
    /// Inside an event `where` condition: a built-in field of the event being tested.
    case eventField(EventField)
    /// `trait.x` (path `["x"]`; `trait.a.b` is `["a", "b"]`): the latest identify trait, or the latest
    /// group trait for an account profile. Dynamic; missing when absent or null.
    case trait([String])
    /// `account.EXPR`: EXPR evaluated for the user's account. When the user has no account the value is
    /// missing (false for a condition).
    case account(TypedExpr)
    /// `computed.x`: the computed trait `x` from traits.yaml, evaluated for this profile.
    case computed(String)
    /// `score.x`: the score `x` from scores/ for this profile (number, 0-100).
    case score(String)
    /// `stage.x`: the name of the first stage of model `x` whose condition holds (string; missing when none does).
    case stage(String)
    /// `rfm.r|f|m|score|segment`: RFM values; missing outside the RFM population.
    case rfm(RFMField)
    /// `segment("x")`: whether the profile is a member of segment `x` at `now` (bool).
    case segment(String)
    /// `-x` (number or duration).
    case negate(TypedExpr)
    /// `not x`: true unless x is true (so `not missing` is true).
    case not(TypedExpr)
    /// `a and b` (short-circuit allowed: both are side-effect free).
    case and(TypedExpr, TypedExpr)
    /// `a or b`.
    case or(TypedExpr, TypedExpr)
    /// `a + b`, `a - b`, `a * b`, `a / b`. Numbers as usual; timestamp ± duration is a timestamp;
    /// timestamp - timestamp a duration; duration × number a duration; duration / duration a number.
    /// Division by zero is missing; any non-number operand of number arithmetic is missing.
    case arithmetic(ArithmeticOperator, TypedExpr, TypedExpr)
    /// `a = b`, `a != b`, `a < b`...: false when either side is missing or the run-time types differ
    /// (a date literal compares as the timestamp of its midnight). `!=` is `not (a = b)` only when both
    /// sides are present and of one type; otherwise false too. Strings order by bytes.
    case comparison(ComparisonOperator, TypedExpr, TypedExpr)
    /// `x between low and high`: low <= x and x <= high (inclusive); false when any side is missing.
    case between(TypedExpr, low: TypedExpr, high: TypedExpr)
    /// `x in [a, b, ...]`: x equals one of the items (false when x is missing).
    case inList(TypedExpr, [TypedExpr])
    /// `x contains y`: for a string x, y is a substring (case-sensitive); for an array x, y is an element.
    case contains(TypedExpr, TypedExpr)
    /// An aggregate over events (count, did, sum, ...): see `AggregateFunction`.
    case aggregate(EventAggregate)
    /// `share(E, of: E2, W)`: count(E, W) / count(E2, W); missing when count(E2, W) = 0.
    case share(EventSelector, of: EventSelector, window: Window)
    /// `followed_by`, `not_followed_by`, `funnel`: see `EventSequence`.
    case sequence(EventSequence)
    /// `streak(P, COND)`: the number of consecutive periods P ending now where COND holds. The current
    /// period ([start, now]) counts when COND holds in it, else counting starts with the previous one;
    /// counting stops at the first period where COND is false and never goes past the period holding
    /// first_seen. Event functions inside COND have window `.period`.
    case streak(CalendarUnit, TypedExpr)
    /// `count_periods(P, COND, N)`: how many of the last N periods P (the current one included) satisfy
    /// COND. Event functions inside COND have window `.period`.
    case countPeriods(CalendarUnit, TypedExpr, periods: Int)
    /// `percentile(EXPR)` / `percentile(EXPR, among: "s")`: 100 × the share of the population (profiles of
    /// the same kind, or the members of segment s; EXPR not missing) whose EXPR is <= this profile's.
    /// Missing when this profile's EXPR is missing or the population is empty.
    case percentile(TypedExpr, among: String?)
    /// `count_users(COND)` in an account definition: the number of the account's users for whom the
    /// user-level COND holds.
    case countUsers(TypedExpr)
    /// `days_between(t1, t2)`: (t2 - t1) in days, signed, fractional.
    case daysBetween(TypedExpr, TypedExpr)
    /// `least`, `greatest`, `abs`, `round`, `floor`: see `MathFunction`. Missing if any argument is.
    case math(MathFunction, [TypedExpr])
    /// `coalesce(x, y, ...)`: the first argument that is not missing (missing when all are).
    case coalesce([TypedExpr])
    /// `exists(x)`: x is not missing (bool).
    case exists(TypedExpr)
}
