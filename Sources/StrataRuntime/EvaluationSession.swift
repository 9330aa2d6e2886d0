import Foundation
import StrataCore
import StrataEngine
import StrataLanguage
import StrataStore

/// What every evaluation of a workspace starts from: its checked definitions, its store, the trained
/// models that match the definitions, and its time zone. The command line, the management API, the
/// live engine's start and the cadence runs all build it through ``Runtime/session()`` and fail the
/// same way (``SessionError``); ``evaluate(asOf:extraTraits:progress:)`` adds the instant.
public struct EvaluationSession: Sendable {
    /// The workspace.
    public let workspace: Workspace
    /// Its store.
    public let store: any Store
    /// The definition files' texts, by workspace-relative path (for explanations).
    public let sources: [String: String]
    /// The checked definitions: those whose files have errors are left out.
    public let definitions: Definitions
    /// The definitions' warnings, sorted for display.
    public let warnings: [Diagnostic]
    /// The errors of the definitions left out, sorted for display (empty unless the session was made
    /// leaving out broken definitions).
    public let errors: [Diagnostic]
    /// The stored models that match the logistic definitions, by score name.
    public let trainedModels: [String: TrainedModel]
    /// When each stored model was trained, by score name: what a long-running consumer compares to
    /// learn that a model was trained since (``versions(of:)`` of the store's models).
    public let storedModels: [String: Int64]
    /// How many messages the store held when the session was made (for progress).
    public let messages: Int

    /// The workspace's time zone.
    public var zone: Zone { workspace.config.timezone }

    /// A session over checked definitions; when they have errors, fails, or leaves out the broken
    /// ones when `leavingOutBroken` (what the others need of them then fails as they are evaluated).
    init(
        workspace: Workspace, store: any Store, checked: CheckedDefinitions, leavingOutBroken: Bool = false
    ) throws(SessionError) {
        guard !checked.hasErrors || leavingOutBroken else { throw .invalid(checked.diagnostics) }
        self.workspace = workspace
        self.store = store
        sources = checked.sources
        definitions = checked.definitions
        warnings = checked.diagnostics.filter { $0.severity != .error }
        errors = checked.diagnostics.filter { $0.severity == .error }
        trainedModels = checked.trainedModels
        storedModels = checked.storedModels
        messages = checked.messages
    }

    /// When each stored model was trained, by score name.
    public static func versions(of models: [StoredModel]) -> [String: Int64] {
        Dictionary(models.map { ($0.name, $0.trainedAt) }, uniquingKeysWith: max)
    }

    /// Feeds every stored message to each builder in one pass; returns how many were read.
    /// `progress` is called with the messages read so far, every 65,536 messages.
    public func scan(
        into builders: inout [TimelineBuilder], progress: (Int) -> Void = { _ in }
    ) throws(SessionError) -> Int {
        var count = 0
        let keys = builders.reduce(into: Set<String>()) { $0.formUnion($1.payloadKeys) }
        do {
            try store.forEachMessage(includingContext: false, payloadKeys: keys) { sequence, message in
                for index in builders.indices { builders[index].add(sequence: sequence, message: message) }
                count += 1
                if count % 65_536 == 0 { progress(count) }
            }
        } catch {
            throw .store(error)
        }
        return count
    }

    /// An engine over a population, reading this session's definitions, trained models and zone.
    public func engine(over population: Population, now: Int64) -> Engine {
        let engine = Engine(population: population, definitions: definitions, zone: zone, now: now)
        engine.trainedModels = trainedModels
        return engine
    }

    /// Reads the store into timelines as of an instant and builds the engine over them.
    ///
    /// - Parameters:
    ///   - extraTraits: trait paths to keep beyond what the definitions read (`strata export`).
    ///   - progress: called with the messages read so far while the store is read.
    public func evaluate(
        asOf instant: Int64, extraTraits: [[String]] = [], progress: (Int) -> Void = { _ in }
    ) throws(SessionError) -> Evaluation {
        let started = ContinuousClock.now
        var builders = [
            TimelineBuilder(asOf: instant, needs: DataNeeds(definitions: definitions), extraTraits: extraTraits)
        ]
        let count = try scan(into: &builders, progress: progress)
        let building = ContinuousClock.now
        let population = builders[0].build()
        let built = ContinuousClock.now
        return Evaluation(
            instant: instant, population: population, engine: engine(over: population, now: instant),
            messages: count, loadSeconds: (built - started).seconds, buildSeconds: (built - building).seconds)
    }

    /// The segment with this name, or a failure with a did-you-mean.
    public func segment(named name: String) throws(SessionError) -> SegmentDefinition {
        if let segment = definitions.segment(named: name) { return segment }
        if errors.contains(where: { ["segments/\(name).yaml", "segments/\(name).yml"].contains($0.file) }) {
            throw SessionError(.unknownDefinition, "segment `\(name)` has errors: fix them (see `strata check`)")
        }
        let names = definitions.segments.map(\.name)
        let hint = Suggestion.nearest(to: name, in: names).map { "; did you mean `\($0)`?" } ?? ""
        throw SessionError(
            .unknownDefinition, "unknown segment `\(name)`\(names.isEmpty ? " (the workspace has no segments)" : hint)")
    }

    /// The score with this name, or a failure with a did-you-mean.
    public func score(named name: String) throws(SessionError) -> ScoreDefinition {
        if let score = definitions.score(named: name) { return score }
        let names = definitions.scores.map(\.name)
        let hint = Suggestion.nearest(to: name, in: names).map { "; did you mean `\($0)`?" } ?? ""
        throw SessionError(
            .unknownDefinition, "unknown score `\(name)`\(names.isEmpty ? " (the workspace has no scores)" : hint)")
    }
}

/// A session's definitions evaluated as of one instant: the timelines and the engine over them.
public struct Evaluation {
    /// The evaluation instant.
    public let instant: Int64
    /// The timelines.
    public let population: Population
    /// The engine (used from one thread at a time).
    public let engine: Engine
    /// Messages read from the store.
    public let messages: Int
    /// Seconds spent reading the store and building timelines.
    public let loadSeconds: Double
    /// Of those, the seconds spent packing the timelines after the last message was read.
    public let buildSeconds: Double
}
