/// A value that may come from the environment (`${NAME}`) and must never be printed, logged or
/// returned: its description is a fixed placeholder, and only ``reveal()`` gives the value.
public struct Secret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    private let value: String

    /// A secret holding a value.
    public init(_ value: String) { self.value = value }

    /// The value, for the one place that sends it.
    public func reveal() -> String { value }

    /// `<secret>`, never the value.
    public var description: String { "<secret>" }

    /// `<secret>`, never the value.
    public var debugDescription: String { "<secret>" }
}
