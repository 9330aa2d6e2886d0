/// A dotted name as written: `a.b.c` has three segments.
public struct Path: Sendable, Hashable, CustomStringConvertible {
    /// The segments, without backticks.
    public var segments: [String]
    /// Whether the first segment was written in backticks (so it is never a keyword or a reference prefix).
    public var quotedFirst: Bool

    /// A path from its segments.
    public init(_ segments: [String], quotedFirst: Bool = false) {
        self.segments = segments
        self.quotedFirst = quotedFirst
    }

    /// The segments joined with dots.
    public var description: String { segments.joined(separator: ".") }
}
