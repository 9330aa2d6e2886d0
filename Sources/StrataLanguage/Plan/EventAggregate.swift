/// An aggregate over the events a selector picks within a window (LANGUAGE.md §6).
public struct EventAggregate: Sendable, Equatable {
    /// What is computed.
    public var function: AggregateFunction
    /// Which events.
    public var selector: EventSelector
    /// When.
    public var window: Window

    /// An aggregate from its parts.
    public init(function: AggregateFunction, selector: EventSelector, window: Window) {
        self.function = function
        self.selector = selector
        self.window = window
    }
}
