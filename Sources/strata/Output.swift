import Foundation
import StrataCore
import StrataEngine

/// Standard output for long listings (csv, jsonl): lines are buffered and written in 64 KiB chunks.
struct OutputBuffer {
    private var text = ""

    /// Appends a line, writing the buffer out when it is large.
    mutating func line(_ line: String) {
        text += line
        text += "\n"
        if text.utf8.count > 1 << 16 { flush() }
    }

    /// Writes out what is buffered.
    mutating func flush() {
        FileHandle.standardOutput.write(Data(text.utf8))
        text = ""
    }

    /// A value as a CSV field's text: numbers in full (the shortest text that reads back as the number),
    /// missing as empty, anything else as ``Value/plainText``.
    static func text(_ value: Value) -> String {
        if case .number(let n) = value { return Value.format(n) }
        return value.plainText
    }
}

/// Rows as aligned text lines: the first column padded on the right, the others aligned right, two
/// spaces between columns.
func alignedLines(_ rows: [[String]], indent: String = "") -> [String] {
    let columns = rows.map(\.count).max() ?? 0
    let widths = (0..<columns).map { column in rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0 }
    return rows.map { row in
        indent
            + row.enumerated().map { column, cell in
                let pad = String(repeating: " ", count: widths[column] - cell.count)
                return column == 0 ? cell + pad : pad + cell
            }.joined(separator: "  ")
    }
}
