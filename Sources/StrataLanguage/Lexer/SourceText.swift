/// Expression text together with where each of its bytes sits in the file it came from.
///
/// A standalone expression maps onto itself (line 1, column 1). An expression taken from a
/// YAML scalar maps back onto the YAML file, so diagnostics name the file's line and column
/// even for folded (`>`) and literal (`|`) block scalars.
public struct SourceText: Sendable {
    /// The expression text.
    public let text: String
    /// The workspace-relative path of the file, when there is one.
    public let file: String?
    /// The UTF-8 bytes of `text`.
    let bytes: [UInt8]
    /// One location per byte of `text`, plus one for the end.
    let locations: [SourceLocation]

    /// Text that is its own file, or the whole of one (positions start at `start`).
    public init(_ text: String, file: String? = nil, start: SourceLocation = .start) {
        self.text = text
        self.file = file
        let bytes = Array(text.utf8)
        self.bytes = bytes
        var locations: [SourceLocation] = []
        locations.reserveCapacity(bytes.count + 1)
        var line = start.line
        var column = start.column
        var offset = start.offset
        for byte in bytes {
            if byte & 0xC0 == 0x80, let previous = locations.last {
                // A continuation byte sits in the same column as the scalar's first byte.
                locations.append(SourceLocation(line: previous.line, column: previous.column, offset: offset))
            } else {
                locations.append(SourceLocation(line: line, column: column, offset: offset))
                if byte == 0x0A {
                    line += 1
                    column = 1
                } else {
                    column += 1
                }
            }
            offset += 1
        }
        locations.append(SourceLocation(line: line, column: column, offset: offset))
        self.locations = locations
    }

    /// Text with an explicit location for every byte and the end (`locations.count == utf8.count + 1`).
    init(text: String, file: String?, locations: [SourceLocation]) {
        self.text = text
        self.file = file
        self.bytes = Array(text.utf8)
        if locations.count == bytes.count + 1 {
            self.locations = locations
        } else {
            self.locations = SourceText(text, file: file).locations
        }
    }

    /// The location of a byte offset of `text` (clamped to the text).
    public func location(atByte offset: Int) -> SourceLocation {
        locations[max(0, min(offset, locations.count - 1))]
    }

    /// The range covering bytes `start..<end` of `text`.
    func range(_ start: Int, _ end: Int) -> SourceRange {
        SourceRange(start: location(atByte: start), end: location(atByte: end))
    }
}
