import ArgumentParser
import Foundation
import StrataClickHouse
import StrataCore
import StrataEngine
import StrataLanguage
import StrataRuntime
import StrataStore

/// `strata run`: evaluates every segment as of an instant, saves the memberships and prints sizes.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Evaluate every segment as of an instant, save the memberships and print their sizes.",
        discussion: """
            Builds the timelines from the store, evaluates each segment on all cores and saves the run \
            (the change column compares with the previous run). Definitions with errors are reported and left \
            out, and so are segments that cannot be evaluated: the others are still evaluated and saved, and \
            the command exits 1.
            """)

    @OptionGroup var workspaceOptions: WorkspaceOptions

    @Option(name: .customLong("as-of"), help: "The evaluation instant (ISO 8601 or a date; default: now).")
    var asOf: InstantArgument?

    func run() async throws {
        let session = try await openSession(try openRuntime(try workspaceOptions.load()), leavingOutBroken: true)
        if let settings = try session.requireClickHouseSettings() {
            print(try await Self.evaluate(session, on: settings, asOf: asOf?.milliseconds ?? currentInstant()))
            try session.requireNoErrors()
            return
        }
        let outcome = try await Self.evaluate(session, asOf: asOf?.milliseconds ?? currentInstant())
        print(outcome.report)
        if outcome.failures > 0 { throw ExitCode(1) }
        try session.requireNoErrors()
    }

    /// What a run did: the printed report, the evaluation, and how many segments failed.
    struct Outcome {
        var report: String
        var evaluation: Evaluation
        var results: [SegmentResult]
        var failures: Int
    }

    /// Evaluates every segment of a session as of an instant and saves the memberships; failures are
    /// printed to standard error and counted.
    static func evaluate(_ session: EvaluationSession, asOf instant: Int64) async throws -> Outcome {
        // The previous run's sizes (for the change column) are read while the timelines load.
        async let previousRun = session.store.latestRunSizes()
        let evaluation = try session.evaluateShowingProgress(asOf: instant)
        let previous = try await previousRun
        let started = Date()
        let outcomes = evaluation.engine.allSegments()
        let evalSeconds = Date().timeIntervalSince(started)
        var results: [SegmentResult] = []
        var failures = 0
        for (_, outcome) in outcomes {
            switch outcome {
            case .success(let result): results.append(result)
            case .failure(let error):
                failures += 1
                printError(error.description)
            }
        }
        let run = MembershipRun(
            asOf: instant, computedAt: currentInstant(), profiles: evaluation.population.users.count,
            segments: results.map {
                MembershipRun.Segment(name: $0.name, size: $0.members.count, seconds: $0.seconds)
            })
        try await session.store.saveRun(run)
        let report =
            Self.table(results, previous: previous, failed: outcomes.compactMap { $0.result.failureName($0.name) })
            + "\n" + Self.footer(evaluation, evalSeconds: evalSeconds)
        return Outcome(report: report, evaluation: evaluation, results: results, failures: failures)
    }

    /// Evaluates, inside ClickHouse, every segment of a session that its SQL subset holds (the
    /// others are errors of the session, printed as it opened), saves the memberships and returns the report.
    static func evaluate(
        _ session: EvaluationSession, on settings: Settings, asOf instant: Int64
    ) async throws -> String {
        let broken = session.brokenSegments
        let segments = session.definitions.segments.filter { broken[$0.name] == nil }
        let names = segments.map(\.name)
        let started = Date()
        let answer = try await session.requireClickHouseMembers(settings, of: names, asOf: instant)
        let seconds = Date().timeIntervalSince(started)
        let previous = try await session.store.latestRunSizes()
        let results = segments.map { segment in
            SegmentResult(
                name: segment.name, kind: segment.of, members: answer.members[segment.name] ?? [], flags: [],
                population: segment.of == .users ? answer.profiles : answer.accounts,
                seconds: answer.seconds[segment.name] ?? 0)
        }
        try await session.store.saveRun(
            MembershipRun(
                asOf: instant, computedAt: currentInstant(), profiles: answer.profiles,
                segments: results.map {
                    MembershipRun.Segment(name: $0.name, size: $0.members.count, seconds: $0.seconds)
                }
            ))
        return Self.table(results, previous: previous, failed: [])
            + "\nas of \(Instant.format(instant)) · \(grouped(answer.profiles)) profiles · ClickHouse "
            + formatSeconds(seconds)
    }

    /// The segment table: name, size, share of its population, change since the previous run, time.
    static func table(_ results: [SegmentResult], previous before: [String: Int]?, failed: [String]) -> String {
        var rows: [[String]] = [["segment", "size", "%", "change", "time"]]
        for result in results {
            let share = result.population == 0 ? 0 : 100 * Double(result.members.count) / Double(result.population)
            var change = "new"
            if let old = before?[result.name] {
                let delta = result.members.count - old
                change = delta > 0 ? "+\(grouped(delta))" : delta < 0 ? "-\(grouped(-delta))" : "0"
            }
            let name = result.kind == .accounts ? "\(result.name) (accounts)" : result.name
            rows.append([
                name, grouped(result.members.count), String(format: "%.1f%%", share), change,
                String(format: "%.3f s", result.seconds),
            ])
        }
        for name in failed { rows.append([name, "error", "", "", ""]) }
        return alignedTable(rows)
    }

    /// Profiles, events, load and evaluation time, and memory per event.
    static func footer(_ evaluation: Evaluation, evalSeconds: Double) -> String {
        let population = evaluation.population
        var parts = [
            "as of \(Instant.format(evaluation.instant))",
            "\(grouped(population.users.count)) profiles",
        ]
        if population.accounts.count > 0 { parts.append("\(grouped(population.accounts.count)) accounts") }
        parts += [
            "\(grouped(population.users.eventCount)) events",
            "load \(formatSeconds(evaluation.loadSeconds)) (timelines \(formatSeconds(evaluation.buildSeconds)))",
            "eval \(formatSeconds(evalSeconds))",
            String(format: "%.1f bytes/event", population.bytesPerEvent),
        ]
        return parts.joined(separator: " · ")
    }
}

extension Result where Failure == EngineError {
    /// The name when this is a failure, for the table.
    fileprivate func failureName(_ name: String) -> String? {
        if case .failure = self { return name }
        return nil
    }
}
