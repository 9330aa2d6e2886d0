import Crypto
import Foundation
import StrataCore
import StrataEngine
import StrataLanguage
import StrataRuntime
import StrataStore

/// How the server's live engine is built from a session: resumed from the latest snapshot and the
/// messages after it, or started from every stored message up to a sequence. Blocking work, for the
/// live service's worker thread.
enum LiveEngineLoader {
    /// A started engine, the members of its cadence segments at the same instant, the last sequence
    /// read, and every segment as the batch engine it started from evaluated them (which a definition
    /// change hands to the management API, ``Workbench/install(_:)``).
    struct Started {
        var engine: LiveEngine
        var cadence: [String: Set<String>]
        var last: Int64
        var evaluated: Workbench.Built
        /// The recording of the members that the start began while the engine settled, when asked: it
        /// gives them as sets, made meanwhile too.
        var recording: Task<[String: Set<String>], any Error>?
    }

    /// Records the members of every segment (sorted by bytes) as of a start, with the last sequence it
    /// read: a first start's ``ChangeLog/resetLiveMembers(_:checkpoint:)``.
    typealias Recording = @Sendable ([String: [String]], Int64) async throws -> Void

    /// Messages read from the log per part when catching up from a snapshot.
    static let replayBatch = 20_000

    /// The workspace's evaluation session; fails, naming the errors, when the definitions have any.
    static func session(_ runtime: Runtime) async throws -> EvaluationSession {
        do throws(SessionError) {
            return try await runtime.session()
        } catch {
            let errors = error.diagnostics.filter { $0.severity == .error }.map(\.description)
            throw LiveError(errors.isEmpty ? error.message : "\(error.message): \(errors.joined(separator: "; "))")
        }
    }

    /// An engine over the stored messages up to a sequence, as of an instant, holding at most
    /// `capacity` messages: started from the timelines file (the messages after it read from the log)
    /// and the store's index, holding none yet (``LiveEngine/start(definitions:zone:trainedModels:now:packed:sequences:source:capacity:batch:)``).
    /// With `recording`, the members are recorded as soon as the batch evaluation has them, while the
    /// engine settles (``Started/recording``): a first start at 600,000 users writes 2.8M of them; those
    /// of the cadence segments only when `recordingCadence` (not when ClickHouse evaluates them).
    static func start(
        _ session: EvaluationSession, at instant: Int64, through bound: Int64, capacity: Int,
        recording: Recording? = nil, recordingCadence: Bool = true
    ) throws -> Started {
        let store = session.store
        let last = min(bound, try store.lastSequence())
        let needs = DataNeeds(definitions: session.definitions)
        var builders = [TimelineBuilder(asOf: Int64.max, needs: needs)]
        let messages = try session.scan(into: &builders, through: last)
        var batch: Engine?
        var recorded: Task<[String: Set<String>], any Error>?
        do {
            let engine = try LiveEngine.start(
                definitions: session.definitions, zone: session.zone, trainedModels: session.trainedModels,
                now: instant, packed: builders[0], sequences: { try store.sequences(of: $0, through: last) },
                source: source(store, needs.payloadKeys), capacity: capacity,
                batch: { whole in
                    batch = whole
                    if let recording {
                        let members = try members(of: session.definitions, in: whole, cadence: recordingCadence)
                        recorded = Task {
                            try Task.checkCancellation()
                            try await recording(members, last)
                            return members.mapValues(Set.init)
                        }
                    }
                })
            var result = try started(engine, batch, session: session, messages: messages, last: last)
            result.recording = recorded
            return result
        } catch {
            // A start that failed records nothing it had not begun to.
            recorded?.cancel()
            throw error
        }
    }

    /// An engine for a session's definitions over the clusters of `old` (``LiveEngine/reload(_:definitions:zone:trainedModels:population:source:capacity:batch:)``),
    /// with the population read through the timelines file up to `last`, the last sequence `old` took;
    /// nil when the new definitions join ids differently, and the engine must start from the store.
    static func reload(
        _ old: LiveEngine, session: EvaluationSession, through last: Int64, capacity: Int
    ) throws -> Started? {
        let needs = DataNeeds(definitions: session.definitions)
        var batch: Engine?
        var messages = 0
        guard
            let engine = try LiveEngine.reload(
                old, definitions: session.definitions, zone: session.zone, trainedModels: session.trainedModels,
                population: {
                    var builders = [TimelineBuilder(asOf: old.now, needs: needs)]
                    messages = try session.scan(into: &builders, through: last)
                    return builders[0].build()
                }, source: source(session.store, needs.payloadKeys), capacity: capacity, batch: { batch = $0 })
        else { return nil }
        return try started(engine, batch, session: session, messages: messages, last: last)
    }

    /// What an engine started from a batch engine over `messages` stored messages gives: the members of
    /// its cadence segments, and every segment's result, from the batch engine.
    private static func started(
        _ engine: LiveEngine, _ batch: Engine?, session: EvaluationSession, messages: Int, last: Int64
    ) throws -> Started {
        guard let batch else { throw LiveError("the live engine was started without a batch evaluation") }
        var cadence: [String: Set<String>] = [:]
        for name in engine.cadenceSegments.keys { cadence[name] = Set(try batch.segment(named: name).members) }
        var results: [String: Result<SegmentResult, EngineError>] = [:]
        for (name, result) in batch.allSegments() { results[name] = result }
        let current = Workbench.Current(
            session: session, evaluation: session.evaluation(of: batch, messages: messages), results: results,
            builtAt: .now)
        return Started(engine: engine, cadence: cadence, last: last, evaluated: Workbench.Built(current))
    }

    /// Every segment's members as a batch engine evaluates them, sorted by bytes: those a live engine
    /// of the same definitions keeps (``LiveEngine/segments``, and ``LiveEngine/cadenceSegments`` when
    /// `cadence`).
    private static func members(
        of definitions: Definitions, in batch: Engine, cadence: Bool
    ) throws -> [String: [String]] {
        let left = cadence ? [:] : LiveEngine.cadenceSegments(of: definitions)
        var members: [String: [String]] = [:]
        for segment in definitions.segments where left[segment.name] == nil {
            members[segment.name] = try batch.segment(named: segment.name).members
        }
        return members
    }

    /// Reads a snapshot, checks that it fits, restores the engine from it and takes the messages
    /// stored after it up to the checkpoint.
    static func resume(
        from url: URL, session: EvaluationSession, fingerprint: String, capacity: Int, at checkpoint: LiveCheckpoint
    ) throws -> (engine: LiveEngine, sequence: Int64) {
        let store = session.store
        let snapshot = try LiveEngine.Snapshot(decoding: [UInt8](try Data(contentsOf: url)))
        guard snapshot.fingerprint == fingerprint else { throw LiveError("it was taken with other definitions") }
        guard snapshot.sequence <= checkpoint.sequence, snapshot.now <= checkpoint.instant else {
            throw LiveError("it is ahead of the checkpoint")
        }
        let anchor = try store.messages(sequences: [snapshot.sequence], payloadKeys: []).first?.message.messageId
        guard (anchor ?? "") == snapshot.anchor else { throw LiveError("it was taken of another store") }
        let keys = DataNeeds(definitions: session.definitions).payloadKeys
        let engine = try LiveEngine.restore(
            snapshot, definitions: session.definitions, zone: session.zone, trainedModels: session.trainedModels,
            source: source(store, keys), capacity: capacity)
        // The messages taken after the snapshot, then the time that passed, as of the checkpoint: their
        // changes were recorded before the restart.
        var after = snapshot.sequence
        while after < checkpoint.sequence {
            let part = try store.messages(after: after, limit: replayBatch, payloadKeys: keys)
                .prefix { $0.sequence <= checkpoint.sequence }
            guard let last = part.last else { break }
            try engine.ingest(Array(part), at: checkpoint.instant)
            after = last.sequence
        }
        try engine.advance(to: checkpoint.instant)
        return (engine, snapshot.sequence)
    }

    /// Identifies a session's evaluated definition files, trained models and time zone, for snapshots.
    static func fingerprint(of session: EvaluationSession) -> String {
        var hash = SHA256()
        let models = session.trainedModels.mapValues { String($0.trainedAt) }
        let parts = DefinitionFiles.evaluated(session.sources).merging(models) { file, _ in file }.sorted {
            $0.key < $1.key
        }
        for (path, text) in parts {
            for part in [path, text] {
                hash.update(data: Data("\(part.utf8.count):".utf8))
                hash.update(data: Data(part.utf8))
            }
        }
        hash.update(data: Data(session.zone.identifier.utf8))
        return hash.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// Reads a cluster's messages back from the store, with the payload keys evaluation reads.
    static func source(
        _ store: any MessageLog, _ keys: Set<String>
    ) -> @Sendable ([Int64]) throws -> [(sequence: Int64, message: Message)] {
        { sequences in try store.messages(sequences: sequences, payloadKeys: keys) }
    }
}

/// What a live engine was built from, to tell when the evaluated definition files or the trained models
/// change.
struct AppliedDefinitions: Equatable {
    /// The evaluated definition files' texts, by path (``DefinitionFiles/isEvaluated(_:)``).
    var sources: [String: String] = [:]
    /// When each stored model was trained, by name.
    var models: [String: Int64] = [:]

    /// What a session was made of.
    init(_ session: EvaluationSession) {
        self.init(sources: session.sources, models: session.storedModels)
    }

    /// From its parts.
    init(sources: [String: String] = [:], models: [String: Int64] = [:]) {
        self.sources = DefinitionFiles.evaluated(sources)
        self.models = models
    }
}
