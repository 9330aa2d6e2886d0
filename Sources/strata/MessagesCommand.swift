import ArgumentParser
import Foundation
import StrataCore
import StrataRuntime
import StrataStore

/// `strata messages`: the stored messages in arrival order.
struct MessagesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "messages",
        abstract: "Print the stored messages in arrival order.",
        discussion: """
            Prints one JSON object per line, in the tracking spec's shape (instants in ISO 8601). \
            --ids-only prints one message id per line instead (a stable contract for tools); a duplicate is \
            stored once, so no id repeats.
            """)

    @OptionGroup var workspaceOptions: WorkspaceOptions

    @Flag(help: "Print only the message ids.")
    var idsOnly = false

    @Option(help: "How many messages to print at most (default: all).")
    var limit: Int?

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1, found \(limit)") }
    }

    /// Stops a scan once `--limit` lines are out.
    private struct LimitReached: Error {}

    func run() async throws {
        let workspace = try workspaceOptions.load()
        let store = try openRuntime(workspace).store
        var out = OutputBuffer()
        var remaining = limit ?? Int.max
        func emit(_ line: String) throws {
            out.line(line)
            remaining -= 1
            if remaining == 0 { throw LimitReached() }
        }
        do {
            if idsOnly {
                try store.forEachMessageId(emit)
            } else {
                try store.forEachMessage(includingContext: true) { _, message in
                    try emit(JSONWriter.string(message.json))
                }
            }
        } catch is LimitReached {
            // The limit, not a failure.
        } catch {
            throw CommandError("cannot read the store: \(PlainError.describe(error))")
        }
        out.flush()
    }
}
