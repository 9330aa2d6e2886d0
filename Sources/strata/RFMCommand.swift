import ArgumentParser
import Foundation
import StrataCore
import StrataEngine
import StrataLanguage
import StrataRuntime
import StrataStore

/// `strata rfm`: RFM segments as of an instant.
struct RFMCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rfm",
        abstract: "Show RFM: profiles per named segment and the R-by-F grid, or every ranked profile.",
        discussion: """
            Ranks the RFM population (rfm.yaml, or the defaults: recency days_since("Order Completed"), \
            frequency count("Order Completed", last 365d), monetary sum("Order Completed", revenue, last \
            365d), profiles with a frequency > 0) into bins 1-5 and names each profile's segment with the \
            map (docs/rfm.md). --format table prints the profiles per segment and a 5x5 R-by-F heatmap; \
            csv and jsonl print every ranked profile: id, raw recency, frequency and monetary values, the \
            bins r, f and m, the score and the segment.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table, csv, jsonl
    }

    @OptionGroup var options: EvaluationOptions

    @Option(help: "Output format: table, csv or jsonl.")
    var format: Format = .table

    func run() async throws {
        let session = try await options.session()
        let instant = options.instant
        let result: RFMResult
        let ids: [String]
        let footer: () -> String
        let started = Date()
        if let settings = try session.requireClickHouseSettings() {
            do throws(SessionError) {
                (ids, result) = try await session.clickHouseRFM(settings, asOf: instant)
            } catch {
                throw reported(error)
            }
            footer = { "ClickHouse " + formatSeconds(Date().timeIntervalSince(started)) }
        } else {
            let evaluation = try session.evaluateShowingProgress(asOf: instant)
            do {
                result = try evaluation.engine.rfm()
            } catch {
                throw CommandError(error)
            }
            ids = evaluation.population.users.ids
            footer = { RunCommand.footer(evaluation, evalSeconds: Date().timeIntervalSince(started)) }
        }
        var out = OutputBuffer()
        switch format {
        case .table:
            out.line(Self.table(result, map: session.definitions.rfm.map, profiles: ids.count, instant: instant))
            out.line("\n" + footer())
        case .csv:
            out.line(CSV.row(Self.columns))
            for profile in ids.indices where result.isRanked(profile) {
                out.line(CSV.row(Self.row(result, profile, ids).map(OutputBuffer.text)))
            }
        case .jsonl:
            for profile in ids.indices where result.isRanked(profile) {
                let fields = zip(Self.columns, Self.row(result, profile, ids)).map { ($0, $1.json) }
                out.line(JSONWriter.string(.object(Dictionary(fields, uniquingKeysWith: { a, _ in a }))))
            }
        }
        out.flush()
    }

    /// The columns of csv and jsonl.
    static let columns = ["id", "recency", "frequency", "monetary", "r", "f", "m", "score", "segment"]

    /// One ranked profile's values, in ``columns`` order.
    static func row(_ result: RFMResult, _ profile: Int, _ ids: [String]) -> [Value] {
        let raw = [result.recency[profile], result.frequency[profile], result.monetary[profile]].map {
            $0.isNaN ? Value.missing : .number($0)
        }
        return [.string(ids[profile])] + raw
            + [RFMField.r, .f, .m, .score, .segment].map {
                result.value($0, of: profile)
            }
    }

    /// Profiles per named segment, then the R-by-F heatmap (R5 on top, F1 on the left).
    static func table(_ result: RFMResult, map: RFMMap, profiles: Int, instant: Int64) -> String {
        let ranked = result.rankedCount
        var lines = [
            "RFM as of \(Instant.format(instant)) · \(grouped(ranked)) of \(grouped(profiles)) profiles ranked · "
                + "map: \(map.name)"
        ]
        var rows: [[String]] = [["segment", "profiles", "%"]]
        for (name, count) in result.segmentCounts {
            let share = ranked == 0 ? 0 : 100 * Double(count) / Double(ranked)
            rows.append([name, grouped(count), String(format: "%.1f%%", share)])
        }
        let unnamed = ranked - result.segmentCounts.reduce(0) { $0 + $1.count }
        if unnamed > 0 {
            rows.append([
                "(no row matched)", grouped(unnamed), String(format: "%.1f%%", 100 * Double(unnamed) / Double(ranked)),
            ])
        }
        lines += alignedLines(rows)
        lines.append("")
        lines.append("R by F (profiles; shade: share of the fullest cell)")
        let grid = result.grid
        let largest = max(1, grid.joined().max() ?? 0)
        let width = max(5, grouped(largest).count)
        let shades = [" ", "░", "▒", "▓", "█"]
        lines.append("    " + (1...5).map { "  " + String(repeating: " ", count: width + 1) + "F\($0)" }.joined())
        for r in (1...5).reversed() {
            let cells = grid[r - 1].map { count in
                let shade = shades[count == 0 ? 0 : 1 + min(3, 4 * (count - 1) / largest)]
                let text = grouped(count)
                return "  " + String(repeating: shade, count: 2) + String(repeating: " ", count: width + 1 - text.count)
                    + text
            }
            lines.append("R\(r)  " + cells.joined())
        }
        return lines.joined(separator: "\n")
    }
}

extension RFMMap {
    /// How rfm.yaml names the map: standard, seed or custom.
    var name: String {
        switch self {
        case .standard: "standard"
        case .seed: "seed"
        case .custom: "custom"
        }
    }
}
