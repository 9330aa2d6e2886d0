/// An event field read by a `where` condition or a function's property argument.
public enum Field: Sendable, Hashable, CustomStringConvertible {
    /// An event property by path: `revenue` is `["revenue"]`, `a.b.c` is `["a", "b", "c"]`.
    /// Missing when absent.
    case property([String])
    /// A computed field of every event.
    case event(EventField)

    /// As written.
    public var description: String {
        switch self {
        case .property(let path): path.joined(separator: ".")
        case .event(let field): field.rawValue
        }
    }
}
