import ArgumentParser
import Foundation
import StrataCore
import StrataExamples
import StrataLanguage
import StrataStore

/// The `-w DIR` option every workspace command takes.
struct WorkspaceOptions: ParsableArguments {
    @Option(
        name: [.customShort("w"), .customLong("workspace")],
        help: "The workspace folder (default: found from the current folder).")
    var workspace: String?

    /// The workspace named by `-w`, or found from the current folder.
    func load() throws -> Workspace {
        try loadWorkspace { () throws(WorkspaceError) in
            try Workspace.find(
                explicit: workspace, from: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
        }
    }
}

/// Runs a workspace operation, reporting its error as a command error.
func loadWorkspace(_ body: () throws(WorkspaceError) -> Workspace) throws -> Workspace {
    do {
        return try body()
    } catch {
        throw CommandError(error.message)
    }
}

/// Runs an example operation, reporting its error as a command error.
func exampleStep<T>(_ body: () throws(ExampleError) -> T) throws -> T {
    do {
        return try body()
    } catch {
        throw CommandError(error.message)
    }
}

/// A failure reported to the user as `Error: message`, with exit code 1.
struct CommandError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) { self.description = description }
}

/// Parses `--as-of` style arguments: an ISO 8601 instant or a date (midnight UTC).
struct InstantArgument: ExpressibleByArgument {
    var milliseconds: Int64

    init?(argument: String) {
        guard let ms = Instant.parse(argument) else { return nil }
        milliseconds = ms
    }

    static var defaultCompletionKind: CompletionKind { .default }
}

/// Parses duration arguments: a number and a unit, `30s`, `15m`, `1h`, `7d`, `2w`.
struct DurationArgument: ExpressibleByArgument {
    var milliseconds: Int64

    /// A default value of whole days.
    init(days: Int64) {
        milliseconds = days * 86_400_000
    }

    init?(argument: String) {
        guard let ms = DurationText.milliseconds(argument) else { return nil }
        milliseconds = ms
    }
}

/// The current instant, in milliseconds.
func currentInstant() -> Int64 {
    Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
}

/// Writes to standard error.
func printError(_ text: String, terminator: String = "\n") {
    FileHandle.standardError.write(Data((text + terminator).utf8))
}

/// Groups thousands for readability: 1234567 -> "1,234,567".
func grouped(_ value: Int) -> String {
    let digits = String(value.magnitude)
    var out = ""
    for (i, character) in digits.enumerated() {
        if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
        out.append(character)
    }
    return value < 0 ? "-" + out : out
}

/// Rows as a text table: columns padded to their widest cell, the first `leftAligned` left-aligned (a
/// row's last cell is not padded on the right), the others right-aligned, two spaces apart.
func alignedTable(_ rows: [[String]], leftAligned: Int = 1) -> String {
    let columns = rows.map(\.count).max() ?? 0
    let widths = (0..<columns).map { c in rows.map { c < $0.count ? $0[c].count : 0 }.max() ?? 0 }
    return rows.map { row in
        row.enumerated().map { c, cell in
            let pad = String(repeating: " ", count: widths[c] - cell.count)
            if c >= leftAligned { return pad + cell }
            return c == row.count - 1 ? cell : cell + pad
        }.joined(separator: "  ")
    }.joined(separator: "\n")
}
