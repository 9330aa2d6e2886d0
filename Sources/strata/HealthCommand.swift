import ArgumentParser
import Foundation
import StrataRuntime

/// `strata health`: the health rules over the workspace's segments.
struct HealthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health",
        abstract: "Check segments against the health rules: too small, empty, cosmetic, overlapping, ...",
        discussion: """
            Rules: too-small (under min_size, default 200), empty, everyone, cosmetic (day-30 retention within \
            15 pp of the baseline's), overlapping (Jaccard 0.8 or more with another segment), not-activated \
            (and the workspace's share under 80%), review-overdue (no `reviewed:` or older than 90 days), stale \
            (a cadence segment the server has not recomputed within twice its refresh, or a real-time change \
            recorded over an hour late) and volatile (a day-to-day move over 50% in the last \
            30 days). --strict exits 1 when any fires. A segment whose file has errors (with store: clickhouse, \
            one outside its SQL subset) is left out, as strata run leaves it out: one not-evaluated finding \
            with the error, and exit 1. See docs/reports.md.
            """)

    @OptionGroup var common: ReportCommand.Common

    @Argument(help: "The segments (default: all).")
    var segments: [String] = []

    @Flag(help: "Exit 1 when any rule fires (for the CI of a definitions repository).")
    var strict = false

    func run() async throws {
        var findings = 0
        try await common.report(
            leavingOutBroken: true,
            pretty: { table in
                table.rows.isEmpty ? "healthy: no rule fires" : plain(table) + "\n\(table.rows.count) findings"
            }
        ) { session, progress throws(SessionError) in
            let table = try await session.health(
                segments: segments, asOf: common.instant, clickHouse: try session.clickHouseAccess(),
                progress: progress)
            findings = table.rows.count
            return table
        }
        if strict, findings > 0 { throw ExitCode(1) }
    }
}
