import ArgumentParser
import Foundation
import StrataCore
import StrataRuntime

/// `strata timelines rebuild`: the operator's way to rebuild the timelines file from the log.
struct TimelinesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "timelines",
        abstract: "Manage the timelines file that batch commands read instead of the whole log.",
        subcommands: [Rebuild.self])

    /// `strata timelines rebuild`.
    struct Rebuild: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rebuild the timelines file from the whole message log.",
            discussion: """
                Batch commands keep the file current by themselves (`strata import` packs each message \
                it stores into it; a damaged, stale or foreign file is rebuilt when it is read). Rebuilding \
                is never needed for correctness; it folds every later message in at once. See \
                docs/importing.md.
                """)

        @OptionGroup var workspaceOptions: WorkspaceOptions

        func run() async throws {
            let session = try await openSession(try openRuntime(try workspaceOptions.load()), leavingOutBroken: true)
            let started = ContinuousClock.now
            guard
                let summary = try session.showingProgress({ progress throws(SessionError) in
                    try session.rebuildTimelines(progress: progress)
                })
            else { throw CommandError("this workspace's store keeps no timelines file") }
            print(summary.report(seconds: (ContinuousClock.now - started).seconds))
        }
    }
}

extension TimelineSummary {
    /// One line for people: what the file covers and its size.
    func report(seconds: Double) -> String {
        let perEvent = events == 0 ? 0 : Double(bytes) / Double(events)
        return "Timelines file \(url.lastPathComponent): \(grouped(messages)) messages (\(grouped(events)) events) "
            + "up to sequence \(sequence), \(String(format: "%.1f", Double(bytes) / 1_048_576)) MiB "
            + "(\(String(format: "%.1f", perEvent)) bytes/event) in \(String(format: "%.1f", seconds)) s"
    }
}
