import ArgumentParser
import Foundation
import StrataCore
import StrataEngine
import StrataLanguage
import StrataStore

/// What `run`, `members` and `explain` share: the workspace's checked definitions and an engine over
/// the store's timelines as of an instant.
struct EngineSession {
    /// The workspace.
    let workspace: Workspace
    /// Its store.
    let store: any EventStore
    /// The definition files' texts, by workspace-relative path (for explanations).
    let sources: [String: String]
    /// The checked definitions.
    let definitions: Definitions
    /// The timelines.
    let population: Population
    /// The engine.
    let engine: Engine
    /// Messages read from the store.
    let messages: Int
    /// Seconds spent reading the store and building timelines.
    let loadSeconds: Double
    /// Of those, the seconds spent packing the timelines after the last message was read.
    let buildSeconds: Double

    /// The checked definitions of a workspace, their files' texts, and how many messages the store holds.
    struct Loaded {
        var definitions: Definitions
        var sources: [String: String]
        var messages: Int
    }

    /// Loads and checks the definitions (warning about event names the store has never seen), printing
    /// diagnostics to standard error; exits 1 on errors.
    static func definitions(of workspace: Workspace, store: any EventStore) async throws -> Loaded {
        let files = DefinitionFiles.read(from: workspace.root)
        let statistics = try await store.statistics()
        let known = statistics.eventNames
        let definitions = Definitions.load(files, knownEvents: known.isEmpty ? nil : Set(known))
        for diagnostic in Diagnostic.sortedForDisplay(files.diagnostics + definitions.diagnostics) {
            printError(diagnostic.description)
        }
        if definitions.hasErrors || files.diagnostics.contains(where: { $0.severity == .error }) {
            printError("definitions have errors: fix them (see `strata check`) and run again")
            throw ExitCode(1)
        }
        return Loaded(definitions: definitions, sources: files.files, messages: statistics.messages)
    }

    /// Reads the store into timelines as of `asOf` and builds the engine.
    static func load(
        workspace: Workspace, store: any EventStore, loaded: Loaded, asOf: Int64, extraTraits: [[String]] = []
    ) async throws -> EngineSession {
        let started = Date()
        let definitions = loaded.definitions
        var builders = [
            TimelineBuilder(asOf: asOf, needs: DataNeeds(definitions: definitions), extraTraits: extraTraits)
        ]
        let count = try scan(store, expecting: loaded.messages, into: &builders)
        let building = Date()
        let population = builders[0].build()
        let buildSeconds = Date().timeIntervalSince(building)
        let engine = Engine(
            population: population, definitions: definitions, zone: workspace.config.timezone, now: asOf)
        engine.trainedModels = try await TrainCommand.storedModels(
            in: store, definitions: definitions, sources: loaded.sources)
        return EngineSession(
            workspace: workspace, store: store, sources: loaded.sources, definitions: definitions,
            population: population, engine: engine, messages: count, loadSeconds: Date().timeIntervalSince(started),
            buildSeconds: buildSeconds)
    }

    /// Feeds every stored message to each builder in one pass (with a progress bar); returns how many
    /// messages were read.
    static func scan(
        _ store: any EventStore, expecting total: Int, into builders: inout [TimelineBuilder]
    ) throws
        -> Int
    {
        let bar = ProgressBar()
        var count = 0
        do {
            let keys = builders.reduce(into: Set<String>()) { $0.formUnion($1.payloadKeys) }
            try store.forEachMessage(includingContext: false, payloadKeys: keys) { sequence, message in
                for index in builders.indices { builders[index].add(sequence: sequence, message: message) }
                count += 1
                if count % 65_536 == 0 {
                    bar.update(done: Int64(count), total: Int64(max(total, count)), items: count, unit: "msgs")
                }
            }
        } catch {
            bar.finish()
            throw CommandError("cannot read the store: \(error)")
        }
        bar.finish()
        return count
    }

    /// Fails with a did-you-mean when no segment has this name.
    static func requireSegment(_ name: String, in definitions: Definitions) throws -> SegmentDefinition {
        if let segment = definitions.segment(named: name) { return segment }
        let names = definitions.segments.map(\.name)
        let hint = StrataCore.Suggestion.nearest(to: name, in: names).map { "; did you mean `\($0)`?" } ?? ""
        let known = names.isEmpty ? " (the workspace has no segments)" : hint
        throw CommandError("unknown segment `\(name)`\(known)")
    }
}

/// Seconds as `0.42 s` or `12.3 s`.
func formatSeconds(_ seconds: Double) -> String {
    seconds < 10 ? String(format: "%.2f s", seconds) : String(format: "%.1f s", seconds)
}

extension CommandError {
    /// An engine error as the command reports it: with its place when it has one.
    init(_ error: EngineError) {
        self.init(error.file == nil ? error.message : error.description)
    }
}

/// The `-w DIR` and `--as-of T` options of the reports that evaluate definitions (`rfm`, `stages`,
/// `export traits`).
struct EvaluationOptions: ParsableArguments {
    @OptionGroup var workspaceOptions: WorkspaceOptions

    @Option(name: .customLong("as-of"), help: "The evaluation instant (ISO 8601 or a date; default: now).")
    var asOf: InstantArgument?

    /// The workspace's checked definitions (exits 1 on errors) and the instant, before the timelines are
    /// built.
    struct Opened {
        var workspace: Workspace
        var store: any EventStore
        var instant: Int64
        var loaded: EngineSession.Loaded

        /// Builds the timelines and the engine.
        func session() async throws -> EngineSession {
            try await EngineSession.load(workspace: workspace, store: store, loaded: loaded, asOf: instant)
        }
    }

    /// Opens the workspace and its store and checks the definitions.
    func open() async throws -> Opened {
        let workspace = try workspaceOptions.load()
        let store = try openStore(workspace)
        let loaded = try await EngineSession.definitions(of: workspace, store: store)
        return Opened(
            workspace: workspace, store: store, instant: asOf?.milliseconds ?? currentInstant(), loaded: loaded)
    }
}
