import ArgumentParser
import Foundation
import StrataCore
import StrataIngest
import StrataRuntime
import StrataStore

/// `strata import FILE...`: loads JSONL or delimited files into the workspace's store.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import messages from JSONL files, or rows of CSV/whitespace files with --map.",
        discussion: """
            JSONL: one Segment-spec message per line, or lines of the form {"batch": [...]}.
            Delimited files need --map TARGET=SOURCE[:FORMAT], for example:
              strata import cdnow.txt --columns customer_id,date,number_of_cds,dollar_value \\
                --map userId=customer_id --map timestamp=date:yyyyMMdd \\
                --map event="Order Completed" --map properties.revenue=dollar_value
            Bad lines are quarantined with their reason; importing a file twice changes nothing.
            """)

    @OptionGroup var workspaceOptions: WorkspaceOptions

    @Argument(help: "The files to import.")
    var files: [String]

    @Option(name: .customLong("map"), help: "Map a column to a message field (TARGET=SOURCE[:FORMAT]); repeatable.")
    var mappings: [String] = []

    @Option(help: "Column names for files without a header row, comma-separated.")
    var columns: String?

    @Option(help: "The delimiter of delimited files: comma, tab, semicolon or whitespace (default: guessed).")
    var delimiter: Delimiter?

    func validate() throws {
        if mappings.isEmpty && (columns != nil || delimiter != nil) {
            throw ValidationError("--columns and --delimiter apply to delimited files, which need --map")
        }
    }

    func run() async throws {
        Heap.keepFreedMemory()
        let workspace = try workspaceOptions.load()
        let runtime = try openRuntime(workspace, durability: .bulk)
        let store = runtime.store
        let delimited =
            mappings.isEmpty
            ? nil
            : Importer.Delimited(
                mapping: mappings,
                columns: columns.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } },
                delimiter: delimiter, zone: workspace.config.timezone)
        let timelines: ImportTimelines?
        do throws(SessionError) {
            timelines = try await runtime.importTimelines()
        } catch {
            throw reported(error)
        }
        let importer = Importer(store: store, delimited: delimited, receivedAt: currentInstant(), follower: timelines)
        let bar = ProgressBar()
        let started = Date()
        let report: ImportReport
        do {
            report = try await importer.run(files: files) { progress in
                bar.update(done: progress.bytesRead, total: progress.totalBytes, items: progress.messages, unit: "msgs")
            }
        } catch let error as ImportError {
            bar.finish()
            throw CommandError(error.message)
        } catch {
            bar.finish()
            throw CommandError(
                "the import stopped: \(PlainError.describe(error)); what was stored before stays, and importing the "
                    + "same files again finishes the job (stored messages are skipped)")
        }
        bar.finish()
        let seconds = Date().timeIntervalSince(started)
        print(Self.summary(report, seconds: seconds))
    }

    static func summary(_ report: ImportReport, seconds: Double) -> String {
        let rate = Double(report.decoded + report.stored.quarantined) / max(seconds, 0.001)
        var lines = [
            "Read \(grouped(report.lines)) lines from \(report.files.count) file(s) in \(String(format: "%.1f", seconds)) s (\(grouped(Int(rate))) messages/s)",
            "  imported     \(grouped(report.stored.inserted))",
            "  duplicates   \(grouped(report.stored.duplicates))"
                + (report.stored.conflicting > 0
                    ? " (\(grouped(report.stored.conflicting)) with different content, kept in quarantine)" : ""),
            "  quarantined  \(grouped(report.stored.quarantined))"
                + (report.stored.alreadyQuarantined > 0
                    ? " (and \(grouped(report.stored.alreadyQuarantined)) already in quarantine)" : ""),
        ]
        for (reason, count) in report.quarantinedByReason.sorted(by: { ($1.value, $0.key) < ($0.value, $1.key) }) {
            lines.append("    \(reason): \(grouped(count))")
        }
        for reading in report.readings {
            let numbers = reading.counts[.number] ?? 0
            let others = reading.counts.filter { $0.key != .number }
            let field = "\(reading.target) from \(reading.source)"
            if numbers > 0 && others.isEmpty {
                lines.append("  read as numbers: \(field)")
            } else if numbers > 0 {
                let rest = others.sorted { $0.key.rawValue < $1.key.rawValue }.map {
                    "\(grouped($0.value)) \($0.key.rawValue)"
                }
                lines.append(
                    "  numbers and other values: \(field) (\(grouped(numbers)) numbers, \(rest.joined(separator: ", ")); "
                        + "sums and averages skip the others)")
            }
        }
        if report.stored.erased > 0 {
            lines.append("  refused      \(grouped(report.stored.erased)) (they name erased profiles; not kept)")
        }
        if let failure = report.indexFailure {
            lines.append(
                "  not indexed  the last messages (\(failure)): they are stored; commands reading one profile "
                    + "read more of the log until the next import indexes them")
        }
        if !report.examples.isEmpty {
            lines.append("  first quarantined:")
            lines += report.examples.map { "    \($0)" }
        }
        return lines.joined(separator: "\n")
    }
}

extension Delimiter: ExpressibleByArgument {}
