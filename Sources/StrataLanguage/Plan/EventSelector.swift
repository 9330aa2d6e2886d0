/// Which events an event function reads (LANGUAGE.md §4).
public struct EventSelector: Sendable, Equatable {
    /// Event names to match, or nil for `any` (every track, page and screen event).
    /// Page calls are named "Page Viewed", screen calls "Screen Viewed".
    public var names: [String]?
    /// An optional `where` condition over the event (type bool or dynamic); `.property` and
    /// `.eventField` nodes inside it read the event being tested. A missing result counts as false.
    public var condition: TypedExpr?

    /// A selector from its parts.
    public init(names: [String]?, condition: TypedExpr? = nil) {
        self.names = names
        self.condition = condition
    }

    /// `any`, with no condition.
    public static let any = EventSelector(names: nil)
}
