/// A calendar unit: `day`, `week` (starting Monday), `month`, `year`, in the workspace timezone.
public enum CalendarUnit: String, Sendable, Hashable, CaseIterable {
    /// A calendar day.
    case day
    /// A calendar week.
    case week
    /// A calendar month.
    case month
    /// A calendar year.
    case year
}
