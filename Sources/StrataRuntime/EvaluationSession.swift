import Foundation
import Logging
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
    /// The timelines file that reads of the store start from and keep current, or nil to read the
    /// log alone (``Runtime/session(leavingOutBroken:)`` sets it for a store kept in files).
    public var timelines: TimelineFile?
    /// Where reads of the store say why they rebuild the timelines file.
    public var logger = Logger(label: "strata.timelines")

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

    /// The segments whose files have errors (left out of a session opened leaving out broken
    /// definitions: with `store: clickhouse`, those outside its SQL subset), by name, each with the
    /// first of its file's errors.
    public var brokenSegments: [String: Diagnostic] {
        var broken: [String: Diagnostic] = [:]
        for segment in definitions.segments {
            if let error = errors.first(where: { $0.file == segment.file }) { broken[segment.name] = error }
        }
        return broken
    }

    /// When each stored model was trained, by score name.
    public static func versions(of models: [StoredModel]) -> [String: Int64] {
        Dictionary(models.map { ($0.name, $0.trainedAt) }, uniquingKeysWith: max)
    }

    /// Feeds every stored message to each builder in one pass, or those up to the sequence `through`;
    /// returns how many were read. `progress` is called with the messages read so far, every 65,536
    /// messages.
    ///
    /// When the session has a timelines file (``timelines``) that keeps what every builder keeps, the
    /// builders start from it and only the log's messages after it are read. The file is rebuilt when
    /// it cannot be served (damaged, of another format, stale, or keeping less than the definitions
    /// read), and rewritten when the messages after it have grown to an eighth of those it covers. A
    /// file covering messages after `through` is left as it is, and the log read from its start.
    public func scan(
        into builders: inout [TimelineBuilder], through: Int64 = Int64.max, progress: (Int) -> Void = { _ in }
    ) throws(SessionError) -> Int {
        try read(into: &builders, file: .whenWorthIt, through: through, progress: progress).messages
    }

    /// Rebuilds the timelines file from the whole log and returns what it covers; nil when the session
    /// has no timelines file (`strata timelines rebuild`).
    public func rebuildTimelines(progress: (Int) -> Void = { _ in }) throws(SessionError) -> TimelineSummary? {
        guard let timelines else { return nil }
        var builders: [TimelineBuilder] = []
        let read = try read(into: &builders, file: .rebuild, through: Int64.max, progress: progress)
        let bytes = (try? FileManager.default.attributesOfItem(atPath: timelines.url.path)[.size] as? Int) ?? 0
        return TimelineSummary(
            url: timelines.url, sequence: read.sequence, messages: read.messages, events: read.fileEvents,
            bytes: bytes)
    }

    /// What the timelines file keeps of every stored message up to the sequence `bound`, read from the
    /// file when it can be served and the log's messages after it, with the messages it covers; the
    /// file is left as it is. ``ImportTimelines`` starts from it.
    func pack(through bound: Int64) throws(SessionError) -> (builder: TimelineBuilder, messages: Int) {
        var builders = [fileBuilder()]
        let read = try read(into: &builders, file: .never, through: bound, progress: { _ in })
        return (builders[0], read.messages)
    }

    /// When a read of the log writes the timelines file.
    private enum FilePolicy {
        /// Never.
        case never
        /// When there is no file that can be served, or the messages after it are many.
        case whenWorthIt
        /// Always, from the whole log.
        case rebuild
    }

    /// The body of ``scan(into:through:progress:)`` and ``rebuildTimelines(progress:)``:
    /// returns the messages read, the last log sequence read, and the events the timelines file holds
    /// after.
    private func read(
        into builders: inout [TimelineBuilder], file policy: FilePolicy, through bound: Int64,
        progress: (Int) -> Void
    ) throws(SessionError) -> (messages: Int, sequence: Int64, fileEvents: Int) {
        let lastSequence: Int64
        do {
            lastSequence = try store.lastSequence()
        } catch {
            throw .store(error)
        }
        let wanted = fileBuilder()
        var stored = policy == .rebuild ? nil : timelines?.load(lastSequence: lastSequence, logger: logger)
        // A file past the bound is right for later reads: neither used nor replaced by this one.
        let fileBeyond = stored.map { $0.sequence > bound } ?? false
        if fileBeyond { stored = nil }
        if let snapshot = stored, !TimelineBuilder(asOf: Int64.max, from: snapshot).covers(wanted) {
            logger.debug("timelines: the definitions read more than the file keeps; rebuilding it")
            stored = nil
        }
        var (count, last) = (0, Int64(0))
        var file: TimelineBuilder?
        if let snapshot = stored, let timelines,
            builders.allSatisfy({ TimelineBuilder(asOf: Int64.max, from: snapshot).covers($0) })
        {
            (count, last) = (snapshot.messages, snapshot.sequence)
            let later = Int(lastSequence - snapshot.sequence)
            if policy == .whenWorthIt, timelines.worthRewriting(later: later, covered: snapshot.messages) {
                file = TimelineBuilder(asOf: Int64.max, from: snapshot)
            } else {
                builders = builders.map { TimelineBuilder(asOf: $0.asOf, from: snapshot) }
            }
        } else if timelines != nil, !fileBeyond, policy != .never, stored == nil {
            file = wanted
        }
        // When the file is written and keeps what every builder keeps, the builders start from what it
        // holds once it has every message, rather than being given each message too: the messages are
        // packed once, and the profiles resolved once for the file and the builders.
        let throughFile = file.map { file in builders.allSatisfy { file.covers($0) } } ?? false
        var fileEvents = stored?.events ?? 0
        // The builders share the snapshot's columns until they add to them: let go of it first.
        stored = nil
        let keys = (builders + (file.map { [$0] } ?? [])).reduce(into: Set<String>()) { $0.formUnion($1.payloadKeys) }
        struct Bound: Error {}
        do {
            try store.forEachMessage(after: last, includingContext: false, payloadKeys: keys) { sequence, message in
                guard sequence <= bound else { throw Bound() }
                if !throughFile {
                    for index in builders.indices { builders[index].add(sequence: sequence, message: message) }
                }
                file?.add(sequence: sequence, message: message)
                count += 1
                last = sequence
                if count % 65_536 == 0 { progress(count) }
            }
        } catch is Bound {
        } catch {
            throw .store(error)
        }
        if let file, let timelines {
            let snapshot = file.snapshot(sequence: last, messages: count, erasures: timelines.erasures)
            fileEvents = snapshot.events
            if throughFile { builders = builders.map { TimelineBuilder(asOf: $0.asOf, from: snapshot) } }
            do throws(SessionError) {
                try timelines.write(snapshot, logger: logger)
            } catch  where policy == .whenWorthIt {
                logger.info("timelines: cannot keep the file current", metadata: ["error": "\(error)"])
            }
        }
        return (count, last, fileEvents)
    }

    /// An empty builder keeping what the timelines file keeps for these definitions: what they read,
    /// and the traits of listings (``listingTraits``).
    func fileBuilder() -> TimelineBuilder {
        TimelineBuilder(asOf: Int64.max, needs: DataNeeds(definitions: definitions), extraTraits: Self.listingTraits)
    }

    /// Traits every listing of users shows besides those its segment reads (`strata members`): the
    /// timelines file keeps them, so that listings are read from it.
    public static let listingTraits: [[String]] = [["email"], ["name"], ["plan"]]

    /// An engine over a population, reading this session's definitions, trained models and zone.
    public func engine(over population: Population, now: Int64) -> Engine {
        let engine = Engine(population: population, definitions: definitions, zone: zone, now: now)
        engine.trainedModels = trainedModels
        return engine
    }

    /// The evaluation of a batch engine built elsewhere with this session's definitions (the one the
    /// server's live engine starts from), as of the engine's instant, over `messages` stored messages.
    public func evaluation(of engine: Engine, messages: Int) -> Evaluation {
        Evaluation(
            instant: engine.now, population: engine.population, engine: engine, messages: messages, loadSeconds: 0,
            buildSeconds: 0)
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

/// What a timelines file covers once rebuilt (``EvaluationSession/rebuildTimelines(progress:)``).
public struct TimelineSummary: Sendable, Equatable {
    /// The file.
    public var url: URL
    /// The last log sequence it covers.
    public var sequence: Int64
    /// The messages it covers.
    public var messages: Int
    /// The events (track, page and screen calls) it holds.
    public var events: Int
    /// Its size.
    public var bytes: Int
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
