/// A position in a source file: 1-based line and column, 0-based UTF-8 byte offset.
///
/// Columns count Unicode scalars, as libYAML (and so Yams' marks) does.
public struct SourceLocation: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The line, starting at 1.
    public var line: Int
    /// The column, starting at 1, in Unicode scalars.
    public var column: Int
    /// The UTF-8 byte offset from the start of the file, starting at 0.
    public var offset: Int

    /// A location from its parts.
    public init(line: Int, column: Int, offset: Int) {
        self.line = line
        self.column = column
        self.offset = offset
    }

    /// The first position of a file.
    public static let start = SourceLocation(line: 1, column: 1, offset: 0)

    /// `line:column`.
    public var description: String { "\(line):\(column)" }

    /// Orders by line, then column.
    public static func < (a: SourceLocation, b: SourceLocation) -> Bool {
        (a.line, a.column, a.offset) < (b.line, b.column, b.offset)
    }
}

/// A half-open span of source text, from `start` up to `end`.
public struct SourceRange: Hashable, Sendable, CustomStringConvertible {
    /// The first position covered.
    public var start: SourceLocation
    /// The position just after the last one covered.
    public var end: SourceLocation

    /// A range from its bounds.
    public init(start: SourceLocation, end: SourceLocation) {
        self.start = start
        self.end = end
    }

    /// An empty range at one location.
    public init(at location: SourceLocation) {
        self.init(start: location, end: location)
    }

    /// The smallest range covering both.
    public func union(_ other: SourceRange) -> SourceRange {
        SourceRange(start: min(start, other.start), end: max(end, other.end))
    }

    /// `line:column` of the start.
    public var description: String { start.description }
}
