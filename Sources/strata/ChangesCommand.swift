import ArgumentParser
import Foundation
import StrataCore
import StrataRuntime
import StrataStore

/// `strata changes NAME`: the recorded enters and exits of one segment.
struct ChangesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "changes",
        abstract: "List the recorded membership changes of a segment, oldest first.",
        discussion: """
            The server records every enter and exit of real-time membership. table prints the instant, the \
            direction (enter or exit), the profile and the cause (message ID, time, definition or cadence); \
            csv and jsonl give id, instant, segment, profile, direction, cause and message_id.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table, csv, jsonl
    }

    @OptionGroup var workspaceOptions: WorkspaceOptions

    @ArgumentParser.Argument(help: "The segment's name.")
    var name: String

    @Option(help: "Only changes at or after this instant (ISO 8601 or a date).")
    var since: InstantArgument?

    @Option(help: "How many changes to print at most (default: all).")
    var limit: Int?

    @Option(help: "Output format: table, csv or jsonl.")
    var format: Format = .table

    /// How many changes are read from the store at a time.
    static let pageSize = 10_000

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1, found \(limit)") }
    }

    func run() async throws {
        let runtime = try openRuntime(try workspaceOptions.load())
        let store = runtime.store
        var out = OutputBuffer()
        var table = [["instant", "direction", "profile", "cause"]]
        var remaining = limit ?? Int.max
        var after: Int64?
        while remaining > 0 {
            let asked = min(Self.pageSize, remaining)
            let page = try await store.changes(segment: name, since: since?.milliseconds, after: after, limit: asked)
            if after == nil {
                if page.isEmpty { return try await reportNoChanges(runtime) }
                if format == .csv { out.line(CSV.row(Self.fields)) }
            }
            for recorded in page {
                switch format {
                case .table: table.append(Self.tableRow(recorded.change))
                case .csv: out.line(CSV.row(Self.csvRow(recorded)))
                case .jsonl: out.line(JSONWriter.string(Self.json(recorded)))
                }
            }
            guard let last = page.last, page.count == asked else { break }
            after = last.id
            remaining -= page.count
        }
        if format == .table { out.line(alignedTable(table, leftAligned: 4)) }
        out.flush()
    }

    /// Says that nothing is recorded for a defined segment (or one the log once named); fails with a
    /// did-you-mean for any other name.
    private func reportNoChanges(_ runtime: Runtime) async throws {
        var logged = false
        if since != nil {
            logged = try await !runtime.store.changes(segment: name, since: nil, after: nil, limit: 1).isEmpty
        }
        if !logged {
            _ = try await openSession(runtime).requireSegment(name)
        }
        let period = since.map { " since \(Instant.format($0.milliseconds))" } ?? ""
        printError("no changes recorded for `\(name)`\(period)")
    }

    /// The csv and jsonl fields.
    static let fields = ["id", "instant", "segment", "profile", "direction", "cause", "message_id"]

    static func direction(_ change: MembershipChange) -> String { change.entered ? "enter" : "exit" }

    static func tableRow(_ change: MembershipChange) -> [String] {
        [Instant.format(change.instant), direction(change), change.profile, change.cause.description]
    }

    static func csvRow(_ recorded: RecordedChange) -> [String] {
        let change = recorded.change
        return [
            String(recorded.id), Instant.format(change.instant), change.segment, change.profile, direction(change),
            change.cause.name, change.cause.messageId ?? "",
        ]
    }

    static func json(_ recorded: RecordedChange) -> JSONValue {
        var object = Dictionary(uniqueKeysWithValues: zip(fields, csvRow(recorded).map(JSONValue.string)))
        object["id"] = .number(Double(recorded.id))
        object["message_id"] = recorded.change.cause.messageId.map(JSONValue.string) ?? .null
        return .object(object)
    }
}
