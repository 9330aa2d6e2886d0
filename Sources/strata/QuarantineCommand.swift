import ArgumentParser
import Foundation
import StrataCore
import StrataIngest
import StrataRuntime
import StrataStore

/// `strata quarantine`: the messages refused at import or ingestion, kept with their reason.
struct QuarantineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quarantine",
        abstract: "List, export and retry the messages refused at import or ingestion.",
        discussion: """
            Nothing a client sent is lost: a refused message is kept with its source (file:line or the \
            route), its position in a batch, its reason and its bytes. Export them, correct the `message` \
            field of the lines, and retry the file; or retry the kept bytes as they are.
            """,
        subcommands: [List.self, Export.self, Retry.self], defaultSubcommand: List.self)

    /// The filter the subcommands share.
    struct Filter: ParsableArguments {
        @Option(help: "Only entries refused for this reason (invalid_json, missing_id, ...).")
        var reason: String?

        func validate() throws {
            if let reason, MessageError.Reason(rawValue: reason) == nil {
                let names = MessageError.Reason.allCases.map(\.rawValue)
                let hint = Suggestion.nearest(to: reason, in: names).map { "; did you mean `\($0)`?" } ?? ""
                throw ValidationError(
                    "--reason: unknown reason `\(reason)`, expected one of \(names.joined(separator: ", "))\(hint)")
            }
        }
    }

    /// `strata quarantine [list]`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List quarantined messages, oldest first.")

        @OptionGroup var workspaceOptions: WorkspaceOptions
        @OptionGroup var filter: Filter

        @Option(help: "How many entries to print at most.")
        var limit: Int = 50

        func validate() throws {
            if limit < 1 { throw ValidationError("--limit must be at least 1, found \(limit)") }
        }

        func run() async throws {
            let store = try openRuntime(try workspaceOptions.load()).store
            let statistics = try await store.statistics()
            guard statistics.quarantined > 0 else {
                print("The quarantine is empty: every message was stored.")
                return
            }
            let byReason = statistics.quarantinedByReason.sorted { ($1.value, $0.key) < ($0.value, $1.key) }
            print("\(grouped(statistics.quarantined)) quarantined message(s)")
            print(alignedLines(byReason.map { ["  \($0.key)", grouped($0.value)] }).joined(separator: "\n"))
            let entries = try await store.quarantined(reason: filter.reason, limit: limit)
            var rows = [["id", "received", "source", "reason", "detail"]]
            for entry in entries {
                let index = entry.index > 0 ? "#\(entry.index)" : ""
                let field = entry.field.map { "\($0): " } ?? ""
                rows.append([
                    entry.id.map { String($0) } ?? "", Instant.format(entry.receivedAt), entry.source + index,
                    entry.reason, field + entry.detail,
                ])
            }
            print("")
            print(alignedTable(rows, leftAligned: 5))
        }
    }

    /// `strata quarantine export`.
    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write quarantined messages as JSON lines (to standard output or a file).",
            discussion: """
                Each line has the entry's id, source, index, reason, field, detail, receivedAt, the bytes as \
                received in `raw`, and `message`: the JSON they hold, when they hold some. Correct `message` \
                (or `raw`) and run `strata quarantine retry FILE`.
                """)

        @OptionGroup var workspaceOptions: WorkspaceOptions
        @OptionGroup var filter: Filter

        @Option(name: .shortAndLong, help: "Write to this file instead of standard output.")
        var output: String?

        func run() async throws {
            let store = try openRuntime(try workspaceOptions.load()).store
            let entries = try await store.quarantined(reason: filter.reason, limit: -1)
            let text = entries.map { JSONWriter.string($0.json) + "\n" }.joined()
            guard let output else {
                FileHandle.standardOutput.write(Data(text.utf8))
                return
            }
            do {
                try Data(text.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
            } catch {
                throw CommandError("cannot write \(output): \(PlainError.describe(error))")
            }
            print("Wrote \(grouped(entries.count)) quarantined message(s) to \(output)")
        }
    }

    /// `strata quarantine retry [FILE]`.
    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decode quarantined messages again and store those now valid; they leave the quarantine.",
            discussion: """
                Without FILE, retries the bytes kept in the quarantine. With FILE (lines written by `strata \
                quarantine export`, corrected), retries each line's `message` (or its `raw` text) for the entry \
                its `id` names. Messages keep their first arrival time. An entry whose message id is stored \
                with other content stays.
                """)

        @OptionGroup var workspaceOptions: WorkspaceOptions
        @OptionGroup var filter: Filter

        @ArgumentParser.Argument(help: "Corrected lines of `strata quarantine export`.")
        var file: String?

        func run() async throws {
            let store = try openRuntime(try workspaceOptions.load()).store
            let kept = try await store.quarantined(reason: filter.reason, limit: -1)
            let attempts: [QuarantineRetry.Attempt]
            if let file {
                attempts = try Self.attempts(from: file, kept: kept)
            } else {
                attempts = kept.compactMap { entry in
                    entry.id.map { QuarantineRetry.Attempt(id: $0, bytes: entry.raw, receivedAt: entry.receivedAt) }
                }
            }
            let outcome = try await QuarantineRetry(store: store).run(attempts)
            print(
                "Retried \(grouped(attempts.count)) message(s): \(grouped(outcome.released)) left the quarantine "
                    + "(\(grouped(outcome.stored)) stored now), \(grouped(outcome.refused.count)) still refused, "
                    + "\(grouped(outcome.conflicting)) with an id stored with other content")
            for refusal in outcome.refused.prefix(ImportReport.exampleLimit) {
                let field = refusal.error.field.map { " (\($0))" } ?? ""
                print("  \(refusal.id): \(refusal.error.reason.rawValue)\(field): \(refusal.error.message)")
            }
        }

        /// The attempts of an exported file: each line's `message`, else its `raw` text, for the kept
        /// entry its `id` names.
        static func attempts(from file: String, kept: [QuarantineEntry]) throws -> [QuarantineRetry.Attempt] {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw CommandError("cannot read \(file): no such file")
            }
            let receivedAt = Dictionary(kept.compactMap { entry in entry.id.map { ($0, entry.receivedAt) } }) { a, _ in
                a
            }
            var attempts: [QuarantineRetry.Attempt] = []
            for (number, line) in String(decoding: data, as: UTF8.self).split(
                separator: "\n", omittingEmptySubsequences: false
            ).enumerated() where !line.allSatisfy(\.isWhitespace) {
                let place = "\(file):\(number + 1)"
                guard let object = (try? JSONParser.parse(String(line)))?.objectValue else {
                    throw CommandError("\(place): expected a line of `strata quarantine export` (a JSON object)")
                }
                guard let number = object["id"]?.numberValue, let id = Int64(exactly: number) else {
                    throw CommandError("\(place): the line has no `id` of a quarantine entry")
                }
                guard let arrival = receivedAt[id] else {
                    throw CommandError(
                        "\(place): entry \(id) is not in the quarantine\(kept.isEmpty ? "" : " (or not of this --reason)")"
                    )
                }
                var bytes: [UInt8] = []
                if let message = object["message"] {
                    JSONWriter.write(message, into: &bytes)
                } else if let raw = object["raw"]?.stringValue {
                    bytes = Array(raw.utf8)
                } else {
                    throw CommandError("\(place): the line has neither `message` nor `raw`")
                }
                attempts.append(QuarantineRetry.Attempt(id: id, bytes: bytes, receivedAt: arrival))
            }
            return attempts
        }
    }
}
