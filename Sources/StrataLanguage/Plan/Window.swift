/// A resolved event window (LANGUAGE.md §5): which events, by time `t`, an event function sees.
///
/// Durations are milliseconds; `now` is the evaluation instant; dates are midnight in the workspace
/// timezone, which the engine applies.
public enum Window: Sendable, Equatable {
    /// No window written: every event at or before now.
    case allTime
    /// Inside `streak` / `count_periods` COND: the period being tested is the window
    /// (`[period start, period end)`, the current period being `[start, now]`).
    case period
    /// `last D`: now - D < t <= now.
    case last(Int64)
    /// `from A ago to B ago` (A > B): now - A < t <= now - B.
    case between(agoFrom: Int64, agoTo: Int64)
    /// `before D ago`: t <= now - D.
    case before(ago: Int64)
    /// `since DATE`: DATE <= t <= now.
    case since(TimePoint)
    /// `from DATE1 to DATE2`: DATE1 <= t < DATE2.
    case absolute(from: TimePoint, to: TimePoint)
    /// `this UNIT` / `previous UNIT`: see `CalendarRelation`. Weeks start Monday.
    case calendar(CalendarRelation, CalendarUnit)
    /// `first D [after ANCHOR]`: a <= t < a + D where a is the anchor instant; empty when the anchor
    /// is missing (no first_seen, or the anchor event never happened at or before now).
    case first(Int64, anchor: WindowAnchor)
    /// `from A to B after ANCHOR`: a + A <= t < a + B; empty when the anchor is missing.
    case relative(from: Int64, to: Int64, anchor: WindowAnchor)
    /// `next D` (model labels only): now < t <= now + D. Reads events after the evaluation instant,
    /// so it is only meaningful when training on past snapshots.
    case next(Int64)
}
