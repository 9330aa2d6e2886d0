/// The built-in fields of an event (LANGUAGE.md §4).
public enum EventField: String, Sendable, Hashable, CaseIterable {
    /// `"mon"` ... `"sun"` in the workspace timezone (string).
    case weekday = "$weekday"
    /// 0-23 in the workspace timezone (number).
    case hour = "$hour"
    /// The userId of the event's profile (string), for account-level distinct counts.
    case user = "$user"
    /// The event name (string).
    case name = "$name"

    /// The field's type.
    public var type: ValueType {
        self == .hour ? .number : .string
    }
}
