import ArgumentParser
import Foundation
import StrataClickHouse
import StrataCore
import StrataEngine
import StrataLanguage
import StrataRuntime
import StrataStore

/// Opens the workspace's store through the runtime, as a command error when it cannot be opened.
func openRuntime(_ workspace: Workspace, durability: Durability = .full) throws -> Runtime {
    do {
        return try Runtime.open(workspace, durability: durability)
    } catch {
        throw CommandError(error.message)
    }
}

/// The workspace's evaluation session: its warnings go to standard error; with errors in the
/// definitions, every diagnostic is printed and the command exits 1, unless `leavingOutBroken`: then
/// the broken definitions are left out (the command evaluates the others and exits 1 at its end, see
/// ``EvaluationSession/requireNoErrors()``).
func openSession(_ runtime: Runtime, leavingOutBroken: Bool = false) async throws -> EvaluationSession {
    do throws(SessionError) {
        let session = try await runtime.session(leavingOutBroken: leavingOutBroken)
        for diagnostic in Diagnostic.sortedForDisplay(session.warnings + session.errors) {
            printError(diagnostic.description)
        }
        if !session.errors.isEmpty {
            printError("definitions with errors are left out (see `strata check`); the others are evaluated")
        }
        return session
    } catch {
        throw reported(error)
    }
}

extension EvaluationSession {
    /// Exits 1 when definitions with errors were left out: the command did what it could, and its exit
    /// code says that something failed.
    func requireNoErrors() throws {
        if !errors.isEmpty { throw ExitCode(1) }
    }

    /// The ClickHouse settings with `store: clickhouse`, nil for another store; failing as a command.
    func requireClickHouseSettings() throws -> Settings? {
        do throws(SessionError) {
            return try clickHouseSettings()
        } catch {
            throw reported(error)
        }
    }

    /// ``clickHouseMembers(_:of:asOf:listing:)``, failing as a command.
    func requireClickHouseMembers(
        _ settings: Settings, of names: [String], asOf instant: Int64, listing: [[String]]? = nil
    ) async throws -> Evaluator.Answer {
        do throws(SessionError) {
            return try await clickHouseMembers(settings, of: names, asOf: instant, listing: listing)
        } catch {
            throw reported(error)
        }
    }

    /// ``segment(named:)``, failing as a command.
    func requireSegment(_ name: String) throws -> SegmentDefinition {
        do throws(SessionError) {
            return try segment(named: name)
        } catch {
            throw reported(error)
        }
    }

    /// ``evaluate(asOf:extraTraits:progress:)`` with a progress bar on a terminal.
    func evaluateShowingProgress(asOf instant: Int64, extraTraits: [[String]] = []) throws -> Evaluation {
        try showingProgress { progress throws(SessionError) in
            try evaluate(asOf: instant, extraTraits: extraTraits, progress: progress)
        }
    }

    /// An evaluation for questions about one profile: over its own messages when every definition
    /// asked about is profile-local, else of the whole store with a progress bar.
    func evaluateShowingProgress(
        of found: ProfileMessages?, reading definitionIDs: [DefinitionID], asOf instant: Int64
    ) throws -> Evaluation {
        if let local = evaluation(of: found, reading: definitionIDs, asOf: instant) { return local }
        return try evaluateShowingProgress(asOf: instant)
    }

    /// ``scan(into:progress:)`` with a progress bar on a terminal.
    func scanShowingProgress(into builders: inout [TimelineBuilder]) throws -> Int {
        var copy = builders
        let count = try showingProgress { progress throws(SessionError) in
            try scan(into: &copy, progress: progress)
        }
        builders = copy
        return count
    }

    /// Runs a read of the whole store with a progress bar of the messages read.
    func showingProgress<T>(_ body: ((Int) -> Void) throws(SessionError) -> T) throws -> T {
        let bar = ProgressBar()
        let total = messages
        defer { bar.finish() }
        do throws(SessionError) {
            return try body { count in
                bar.update(done: Int64(count), total: Int64(max(total, count)), items: count, unit: "msgs")
            }
        } catch {
            throw reported(error)
        }
    }
}

extension CommandError {
    /// An engine error as the command reports it: with its place when it has one.
    init(_ error: EngineError) {
        self.init(error.file == nil ? error.message : error.description)
    }

}

/// A session failure as a command reports it: its diagnostics on standard error, then exit code 1 when
/// the definitions have errors, else the failure's message.
func reported(_ error: SessionError) -> any Error {
    for diagnostic in error.diagnostics { printError(diagnostic.description) }
    guard error.code == .invalidDefinitions else { return CommandError(error.message) }
    printError("definitions have errors: fix them (see `strata check`) and run again")
    return ExitCode(1)
}

/// Seconds as `0.42 s` or `12.3 s`.
func formatSeconds(_ seconds: Double) -> String {
    seconds < 10 ? String(format: "%.2f s", seconds) : String(format: "%.1f s", seconds)
}

/// The `-w DIR` and `--as-of T` options of the reports that evaluate definitions (`rfm`, `stages`,
/// `export traits`).
struct EvaluationOptions: ParsableArguments {
    @OptionGroup var workspaceOptions: WorkspaceOptions

    @Option(name: .customLong("as-of"), help: "The evaluation instant (ISO 8601 or a date; default: now).")
    var asOf: InstantArgument?

    /// The evaluation instant.
    var instant: Int64 { asOf?.milliseconds ?? currentInstant() }

    /// Opens the workspace, its store and its session (exits 1 on errors in the definitions).
    func session() async throws -> EvaluationSession {
        try await openSession(try openRuntime(try workspaceOptions.load()))
    }
}
