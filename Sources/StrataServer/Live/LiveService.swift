import Crypto
import Foundation
import Logging
import ServiceLifecycle
import StrataCore
import StrataEngine
import StrataLanguage
import StrataRuntime
import StrataStore

/// Real-time memberships inside the server: follows the store's message log with a ``LiveEngine``,
/// fires time-driven changes at their instant, recomputes population-relative segments on their
/// cadence (in the background, while messages go on being taken), and records every enter and exit
/// (with a checkpoint) before handing it to the change streams.
///
/// Start-up resumes from the checkpoint: the engine's state as of the checkpoint's instant (what was
/// recorded then, so nothing is reported again), the messages stored after it are taken one by one,
/// then time moves to now and the changes that fell due meanwhile are recorded at their own
/// instants. A first start records the memberships as they are without reporting them.
///
/// The state as of the checkpoint comes from the latest snapshot of the engine (a file beside the
/// database, `strata.db-live-snapshot`, written in the background every ``snapshotMessages`` messages
/// or ``snapshotInterval``, and at shutdown) and the few messages taken after it. Snapshots are
/// written at the lowest priority (``LowPriorityThread``), and a periodic one waits until the one
/// before it is written, so that writing them does not delay membership changes. Without a usable
/// snapshot (none yet, other definitions, damaged), the state comes from evaluating every stored
/// message up to the checkpoint at once.
actor LiveService: Service {
    /// Messages taken from the log per read (and evaluated together).
    static let batchSize = 1_000
    /// The longest wait between looks at the log (messages stored by another process, edited
    /// definitions with `--watch`).
    static let poll = Duration.seconds(1)
    /// How often an idle change stream gets a heartbeat.
    static let heartbeat = Duration.seconds(15)
    /// How often a step that changed nothing still saves how far it got. A restart resumes from the
    /// saved checkpoint and takes the later messages again, which cannot change what was recorded.
    static let checkpointInterval = Duration.seconds(1)
    /// How many messages taken make a new snapshot due, so that a restart after a crash takes at most
    /// about this many again.
    static let snapshotMessages: Int64 = 100_000
    /// How long after a snapshot a new one is due when anything moved (time-driven changes are taken
    /// again on a restart, one due instant at a time).
    static let snapshotInterval = Duration.seconds(600)
    /// The share of a core a snapshot is written with while the server runs (at shutdown, as fast as
    /// it can): spread out, it slows the engine's steps less.
    static let snapshotShare = 0.25
    /// Messages read from the log per part when catching up from a snapshot.
    static let replayBatch = 20_000
    /// Messages read back from the store per part of warming an engine (``WarmFeed``).
    static let warmMessages = 10_000
    /// How long after a failed recomputation of cadence segments it is tried again, in ms.
    static let cadenceRetry: Int64 = 60_000

    let runtime: Runtime
    let store: any Store
    let workbench: Workbench
    let metrics: Metrics
    let configuration: Server.Configuration
    let logger: Logger
    /// The recorded changes for the change stream and other consumers.
    let feed: ChangeFeed
    private let doorbell = Doorbell()

    private var engine: LiveEngine?
    /// What the engine was built from: the definition files and the trained models.
    private var applied = Applied()
    private var definitionsChanged = false
    /// Every segment's members as recorded (real-time and cadence segments).
    private var recorded: [String: Set<String>] = [:]
    /// Recorded members sorted by bytes, for pages; dropped when a segment changes.
    private var sorted: [String: [String]] = [:]
    /// The last message sequence taken.
    private var processed: Int64 = 0
    /// When each cadence segment is next recomputed (none while its recomputation runs).
    private var cadenceDue: [String: Int64] = [:]
    /// The recomputation of cadence segments under way, apart from the steps: a batch evaluation of the
    /// whole population takes seconds, and messages and time go on being taken meanwhile.
    private var cadenceRun: Task<Void, Never>?
    /// Whether a start or step is under way, and the callers waiting for it to end (the actor is
    /// reentrant at every `await`, and two steps must never interleave).
    private var busy = false
    /// When the checkpoint was last saved.
    private var checkpointSaved: ContinuousClock.Instant?
    /// The engine's next due instant as the last step left it, for the loop's sleep: the engine itself
    /// is touched only inside a step, as work on ``worker`` may be using it meanwhile.
    private var nextDue: Int64?
    /// The last message stored before this server began. A first start (no checkpoint) takes the
    /// messages up to here as its starting point, recorded without changes; every message received
    /// since, even while the engine was still starting, is taken as a change.
    private let baseline: Int64?
    /// Where blocking work runs: store reads and evaluation, off the cooperative pool that serves
    /// requests, so a long evaluation does not hold back ingestion.
    private let worker = DispatchQueue(label: "strata.live")
    /// Identifies the definitions and time zone the engine was built from, for its snapshots.
    private var fingerprint = ""
    /// The sequence and time of the latest snapshot written or resumed from.
    private var snapshotSequence: Int64 = -1
    private var snapshotTaken = ContinuousClock.now
    /// A snapshot being written, awaited before the next one.
    private var snapshotting: Task<Void, Never>?
    /// How many snapshots are being written: a periodic one is not taken meanwhile.
    private var snapshotsWriting = 0
    /// Whether changes were recorded since the latest snapshot.
    private var changedSinceSnapshot = false
    private var waiting: [CheckedContinuation<Void, Never>] = []
    /// The clusters the engine does not hold being read back on a thread of their own, to be held
    /// before each batch a step takes (``holdWarmed()``).
    private var warmFeed: WarmFeed?

    init(
        runtime: Runtime, workbench: Workbench, metrics: Metrics, configuration: Server.Configuration, logger: Logger
    ) {
        self.runtime = runtime
        self.store = runtime.store
        self.feed = ChangeFeed(log: runtime.store)
        self.workbench = workbench
        self.metrics = metrics
        self.configuration = configuration
        self.logger = logger
        do {
            baseline = try store.lastSequence()
        } catch {
            logger.error("real-time memberships: cannot read the message log: \(error)")
            baseline = nil
        }
    }

    /// New messages were committed.
    nonisolated func messagesStored() {
        doorbell.ring()
    }

    /// A definition file was written or removed: applies it before returning (once the engine has
    /// started; before that, the start reads it). A failure is logged, and retried by the next step.
    func definitionsDidChange() async {
        definitionsChanged = true
        guard engine != nil else { return }
        do {
            try await exclusively { try await step() }
        } catch {
            logger.error("real-time memberships: \(error)")
        }
    }

    /// Whether the memberships are ready: the engine has started.
    var isReady: Bool { engine != nil }

    /// The members of a segment as recorded (kept in real time, or recomputed on its cadence), sorted
    /// by bytes, after taking every message already committed (so a client reads its own writes); nil
    /// before the engine has started and for segments it does not keep.
    func members(of segment: String) async throws -> [String]? {
        guard let engine, engine.keeps(segment) else { return nil }
        try await exclusively { try await step() }
        guard self.engine?.keeps(segment) == true else { return nil }
        if let list = sorted[segment] { return list }
        let list = (recorded[segment] ?? []).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        sorted[segment] = list
        return list
    }

    /// The size of every segment kept, by name, after taking every message already committed; empty
    /// before the engine has started.
    func sizes() async throws -> [String: Int] {
        guard engine != nil else { return [:] }
        try await exclusively { try await step() }
        guard let engine else { return [:] }
        var sizes: [String: Int] = [:]
        for name in engine.segments + engine.cadenceSegments.keys { sizes[name] = recorded[name]?.count ?? 0 }
        return sizes
    }

    /// The kept segments whose recorded members include a profile key, in name order, after taking
    /// every message already committed.
    func segments(holding key: String) async throws -> [String] {
        guard engine != nil else { return [] }
        try await exclusively { try await step() }
        guard let engine else { return [] }
        return (engine.segments + engine.cadenceSegments.keys).filter { recorded[$0]?.contains(key) == true }.sorted()
    }

    func run() async throws {
        await withGracefulShutdownHandler {
            await loop()
        } onGracefulShutdown: {
            self.doorbell.ring()
        }
        // A recomputation still running records nothing: the next start recomputes what is due.
        cadenceRun?.cancel()
        warmFeed?.cancel()
        do {
            try await exclusively {
                if let engine, processed != snapshotSequence || changedSinceSnapshot {
                    try await takeSnapshot(of: engine, paced: false)
                } else {
                    try await record([], saving: true)
                }
            }
        } catch {
            logger.error("real-time memberships: cannot save the checkpoint at shutdown: \(error)")
        }
        await snapshotting?.value
        feed.close()
    }

    private func loop() async {
        var lastBeat = ContinuousClock.now
        var failures = 0
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await exclusively {
                    if engine == nil { try await start() }
                    try await step()
                }
                failures = 0
            } catch {
                failures += 1
                logger.error("real-time memberships: \(error)", metadata: ["failures": "\(failures)"])
            }
            if ContinuousClock.now - lastBeat >= Self.heartbeat {
                feed.publish([])
                lastBeat = .now
            }
            await doorbell.wait(atMost: waitTime(failures: failures))
        }
    }

    /// Runs a start or a step once no other one is under way.
    private func exclusively(_ body: () async throws -> Void) async throws {
        while busy { await withCheckedContinuation { waiting.append($0) } }
        busy = true
        defer {
            busy = false
            if !waiting.isEmpty { waiting.removeFirst().resume() }
        }
        try await body()
    }

    /// How long to sleep: until the next time-driven change or cadence, at most ``poll``; longer after
    /// repeated failures.
    private func waitTime(failures: Int) -> Duration {
        if failures > 0 { return .seconds(min(30, 1 << min(failures, 5))) }
        let now = configuration.clock()
        let next = min(nextDue ?? Int64.max, cadenceDue.values.min() ?? Int64.max)
        guard next != Int64.max else { return Self.poll }
        return min(Self.poll, .milliseconds(max(0, next - now)))
    }

    // MARK: Start

    /// Builds the engine from the store, resuming from the checkpoint.
    private func start() async throws {
        let started = ContinuousClock.now
        let session = try await Self.session(runtime)
        let fingerprint = Self.fingerprint(of: session)
        let checkpoint = try await store.liveCheckpoint()
        let instant = checkpoint?.instant ?? configuration.clock()
        // Read while the engine is built, on another core.
        async let recordedMembers = store.liveMembers()
        let engine: LiveEngine
        var cadence: [String: Set<String>] = [:]
        var resumed: Int64?
        if let checkpoint, let restored = await resume(session, fingerprint: fingerprint, at: checkpoint) {
            (engine, resumed) = restored
            processed = checkpoint.sequence
        } else {
            let last: Int64
            (engine, cadence, last) = try await load(
                session, at: instant, through: checkpoint?.sequence ?? baseline ?? Int64.max)
            processed = last
        }
        self.engine = engine
        self.fingerprint = fingerprint
        applied = Applied(session)
        definitionsChanged = false
        if checkpoint != nil {
            let previous = try await recordedMembers
            recorded = previous
            // A resumed engine leaves the cadence segments as recorded until they are next due.
            if resumed != nil { cadence = previous.filter { engine.cadenceSegments[$0.key] != nil } }
            try await record(
                changed(from: previous, cadence: cadence, engine: engine, at: instant, cadenceCause: .cadence))
        } else {
            let current = engine.allMembers.merging(cadence) { live, _ in live }
            try await store.resetLiveMembers(current, checkpoint: LiveCheckpoint(sequence: processed, instant: instant))
            recorded = current
        }
        sorted = [:]
        recordSizes(engine)
        scheduleCadence(engine, from: instant)
        if let resumed {
            snapshotSequence = resumed
            snapshotTaken = .now
        } else {
            try await takeSnapshot(of: engine)
        }
        let seconds = (ContinuousClock.now - started).seconds
        metrics.recordLiveStart(seconds: seconds, snapshot: resumed ?? 0)
        logger.info(
            "real-time memberships ready",
            metadata: [
                "segments.realtime": "\(engine.segments.count)", "segments.cadence": "\(engine.cadenceSegments.count)",
                "messages": "\(processed)", "seconds": "\(seconds)",
                "resumed": "\(checkpoint.map { Instant.format($0.instant) } ?? "no")",
                "snapshot": "\(resumed.map { "message \($0)" } ?? "no")",
            ])
        // Once ready, so that its reads do not compete with the start's.
        startWarming(engine)
    }

    /// The engine as of a checkpoint, from the latest snapshot and the messages taken after it and
    /// up to the checkpoint; nil (with the reason logged) when there is no usable snapshot.
    private func resume(
        _ session: EvaluationSession, fingerprint: String, at checkpoint: LiveCheckpoint
    ) async -> (engine: LiveEngine, sequence: Int64)? {
        let url = snapshotURL
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let capacity = configuration.heldMessages
        do {
            let resumed = try await blocking {
                Confined(
                    try Self.resume(
                        from: url, session: session, fingerprint: fingerprint, capacity: capacity, at: checkpoint))
            }
            return resumed.value
        } catch {
            logger.warning(
                "real-time memberships: not resuming from the snapshot, evaluating the stored messages instead",
                metadata: ["reason": "\(error)", "snapshot": "\(url.path)"])
            return nil
        }
    }

    /// Reads a snapshot, checks that it fits, restores the engine from it and takes the messages
    /// stored after it up to the checkpoint (blocking).
    private static func resume(
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

    /// Where snapshots of the engine are written: beside the database.
    private var snapshotURL: URL { URL(fileURLWithPath: runtime.workspace.databaseURL.path + "-live-snapshot") }

    /// Saves the checkpoint where the engine is, then writes a snapshot of the engine there in the
    /// background, once the snapshot before it is written: paced (``snapshotShare``) unless at
    /// shutdown.
    private func takeSnapshot(of engine: LiveEngine, paced: Bool = true) async throws {
        try await record([], saving: true)
        let (store, sequence) = (store, processed)
        let anchor = try await blocking {
            try store.messages(sequences: [sequence], payloadKeys: []).first?.message.messageId ?? ""
        }
        let held = HeldSnapshot(engine.snapshot(fingerprint: fingerprint, sequence: sequence, anchor: anchor))
        snapshotSequence = sequence
        snapshotTaken = .now
        changedSinceSnapshot = false
        let (previous, url, logger, metrics) = (snapshotting, snapshotURL, logger, metrics)
        snapshotsWriting += 1
        snapshotting = Task {
            await previous?.value
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                LowPriorityThread.run {
                    let started = ContinuousClock.now
                    let pause = paced ? LowPriorityThread.pacer(share: Self.snapshotShare) : nil
                    do {
                        try SnapshotFile.replace(url, with: held.snapshot.encoded(pausing: pause), pausing: pause ?? {})
                        let seconds = (ContinuousClock.now - started).seconds
                        metrics.recordSnapshotWritten(sequence: sequence, seconds: seconds)
                        logger.debug(
                            "real-time memberships: snapshot written",
                            metadata: ["sequence": "\(sequence)", "seconds": "\(seconds)"])
                    } catch {
                        logger.error("real-time memberships: cannot write the snapshot: \(error)")
                        metrics.recordSnapshotFailed()
                    }
                    held.snapshot.release(pausing: pause ?? {})
                    continuation.resume()
                }
            }
            snapshotsWriting -= 1
        }
    }

    /// Whether a new snapshot is due: enough messages taken since the last, or enough time with
    /// anything moved, and none is still being written (a writer at the lowest priority can take a
    /// while on a busy machine).
    private var snapshotDue: Bool {
        guard snapshotsWriting == 0 else { return false }
        return processed - snapshotSequence >= Self.snapshotMessages
            || ((processed != snapshotSequence || changedSinceSnapshot)
                && ContinuousClock.now - snapshotTaken >= Self.snapshotInterval)
    }

    /// Identifies a session's definition files, trained models and time zone, for snapshots.
    static func fingerprint(of session: EvaluationSession) -> String {
        var hash = SHA256()
        let models = session.trainedModels.mapValues { String($0.trainedAt) }
        for (path, text) in session.sources.merging(models, uniquingKeysWith: { a, _ in a }).sorted(by: {
            $0.key < $1.key
        }) {
            for part in [path, text] {
                hash.update(data: Data("\(part.utf8.count):".utf8))
                hash.update(data: Data(part.utf8))
            }
        }
        hash.update(data: Data(session.zone.identifier.utf8))
        return hash.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// Reads a cluster's messages back from the store, with the payload keys evaluation reads.
    private static func source(
        _ store: any Store, _ keys: Set<String>
    ) -> @Sendable ([Int64]) throws -> [(sequence: Int64, message: Message)] {
        { sequences in try store.messages(sequences: sequences, payloadKeys: keys) }
    }

    /// A started engine over the stored messages up to a sequence, the members of the cadence
    /// segments at the same instant, and the last sequence read.
    private func load(
        _ session: EvaluationSession, at instant: Int64, through last: Int64
    ) async throws -> (LiveEngine, [String: Set<String>], Int64) {
        let (store, capacity) = (store, configuration.heldMessages)
        let loaded = try await blocking {
            struct End: Error {}
            var read: Int64 = 0
            var batch: Engine?
            let keys = DataNeeds(definitions: session.definitions).payloadKeys
            let engine = try LiveEngine.start(
                definitions: session.definitions, zone: session.zone, trainedModels: session.trainedModels,
                now: instant,
                source: Self.source(store, keys),
                capacity: capacity,
                scan: { body in
                    do {
                        try store.forEachMessage(includingContext: false, payloadKeys: keys) { sequence, message in
                            guard sequence <= last else { throw End() }
                            read = sequence
                            body(sequence, message)
                        }
                    } catch is End {}
                }, batch: { batch = $0 })
            var cadence: [String: Set<String>] = [:]
            for name in engine.cadenceSegments.keys {
                cadence[name] = Set(try batch?.segment(named: name).members ?? [])
            }
            return Confined((engine, cadence, read))
        }
        return loaded.value
    }

    /// Runs blocking work on ``worker`` and waits for it without holding a thread of the pool.
    private func blocking<T>(_ body: @escaping @Sendable () throws -> T) async throws -> T where T: Sendable {
        try await withCheckedThrowingContinuation { continuation in
            worker.async { continuation.resume(with: Result { try body() }) }
        }
    }

    /// The enters and exits from recorded memberships to an engine's (as definition changes) and to the
    /// members of its cadence segments (with `cadenceCause`).
    private func changed(
        from old: [String: Set<String>], cadence new: [String: Set<String>], engine: LiveEngine, at instant: Int64,
        cadenceCause: MembershipChange.Cause
    ) -> [MembershipChange] {
        let isCadence = { (name: String) in engine.cadenceSegments[name] != nil }
        return engine.changes(from: old.filter { !isCadence($0.key) }, at: instant, cause: .definition)
            + MembershipChange.differences(
                from: old.filter { isCadence($0.key) }, to: new, at: instant, cause: cadenceCause)
    }

    /// Sets the segment-size metrics to the recorded members of the segments an engine keeps.
    private func recordSizes(_ engine: LiveEngine) {
        metrics.recordSegmentSizes(recorded.filter { engine.keeps($0.key) }.mapValues(\.count))
    }

    private func scheduleCadence(_ engine: LiveEngine, from instant: Int64) {
        cadenceDue = engine.cadenceSegments.compactMapValues { refresh in refresh.interval.map { instant + $0 } }
    }

    /// The workspace's evaluation session; fails, naming the errors, when the definitions have any.
    private static func session(_ runtime: Runtime) async throws -> EvaluationSession {
        do throws(SessionError) {
            return try await runtime.session()
        } catch {
            let errors = error.diagnostics.filter { $0.severity == .error }.map(\.description)
            throw LiveError(errors.isEmpty ? error.message : "\(error.message): \(errors.joined(separator: "; "))")
        }
    }

    // MARK: Steps

    /// Starts reading back the clusters an engine does not hold, in parts, on a thread of its own
    /// (``LiveEngine/Warmer``), instead of any warming under way for an engine before it.
    private func startWarming(_ engine: LiveEngine) {
        warmFeed?.cancel()
        warmFeed = nil
        guard let warmer = engine.warmer(reading: Self.source(store, engine.payloadKeys)) else { return }
        let logger = logger
        warmFeed = WarmFeed(warmer, messages: Self.warmMessages, doorbell: doorbell) { error in
            logger.error("real-time memberships: stopped reading back clusters before they are needed: \(error)")
        }
    }

    /// Holds in the engine the clusters read back since the last call: otherwise the first message of
    /// each cluster would wait for its read, and a restarted engine under load would fall behind.
    private func holdWarmed() async throws {
        guard let feed = warmFeed, let engine else { return }
        let (parts, finished) = feed.take()
        if !parts.isEmpty {
            let confined = Confined(engine)
            try await blocking { for part in parts { confined.value.hold(part) } }
        }
        if finished {
            warmFeed = nil
            logger.info("real-time memberships: \(engine.heldMessages) messages held in memory")
        }
    }

    /// Takes the messages stored since the last step, moves time to now, recomputes cadence segments
    /// that are due and applies changed definitions, recording the changes of each part; before each
    /// batch of messages, holds the clusters read back meanwhile (``holdWarmed()``).
    private func step() async throws {
        guard let engine else { return }
        // The engine is used on ``worker`` only while this step waits for it.
        let confined = Confined(engine)
        while true {
            try await holdWarmed()
            let (store, after, keys) = (store, processed, engine.payloadKeys)
            let reading = ContinuousClock.now
            let batch = try await blocking {
                try store.messages(after: after, limit: Self.batchSize, payloadKeys: keys)
            }
            // Logged with the first part the batch is split into; the others read nothing.
            var readSeconds = (ContinuousClock.now - reading).seconds
            guard !batch.isEmpty else { break }
            // Messages received within moments of each other are taken together, at the latest
            // receipt, and each profile they touch is evaluated once; a time-driven change due between
            // receipts splits them, so it is applied between the right messages.
            var rest = batch[...]
            while let first = rest.first {
                let due = engine.nextDue ?? Int64.max
                let end = rest.dropFirst().firstIndex { $0.message.receivedAt >= due } ?? rest.endIndex
                let part = Array(rest[..<end])
                rest = rest[end...]
                let latest = part.map(\.message.receivedAt).max() ?? first.message.receivedAt
                let at = max(engine.now, min(latest, configuration.clock()))
                let started = ContinuousClock.now
                let (changes, evaluated) = try await blocking {
                    let before = confined.value.evaluatedMessages
                    let changes = try confined.value.ingest(part, at: at)
                    return (changes, confined.value.evaluatedMessages - before)
                }
                let seconds = (ContinuousClock.now - started).seconds
                processed = part.last?.sequence ?? processed
                metrics.record(.evaluation, seconds: Array(repeating: seconds / Double(part.count), count: part.count))
                let recording = ContinuousClock.now
                let recordedAt = try await record(changes)
                let recordSeconds = (ContinuousClock.now - recording).seconds
                metrics.record(.messageDelay, seconds: part.map { Double(recordedAt - $0.message.receivedAt) / 1000 })
                logger.debug(
                    "real-time memberships: step",
                    metadata: [
                        "at": "\(Instant.format(recordedAt))", "messages": "\(part.count)",
                        "changes": "\(changes.count)", "evaluated": "\(evaluated)",
                        "read_ms": "\(milliseconds(readSeconds))", "evaluation_ms": "\(milliseconds(seconds))",
                        "record_ms": "\(milliseconds(recordSeconds))",
                        "oldest_ms": "\(recordedAt - (part.map(\.message.receivedAt).min() ?? recordedAt))",
                    ])
                readSeconds = 0
            }
            if batch.count < Self.batchSize { break }
        }
        let now = configuration.clock()
        let timeChanges = try await blocking { try confined.value.advance(to: now) }
        if !timeChanges.isEmpty { try await record(timeChanges) }
        recomputeCadence()
        if definitionsChanged || configuration.watch { try await applyDefinitions(engine) }
        if let engine = self.engine, snapshotDue { try await takeSnapshot(of: engine) }
        nextDue = self.engine?.nextDue
    }

    /// Starts recomputing the cadence segments that are due, unless a recomputation is under way.
    private func recomputeCadence() {
        let now = configuration.clock()
        let due = cadenceDue.filter { $0.value <= now }.map(\.key).sorted()
        guard cadenceRun == nil, !due.isEmpty else { return }
        for name in due { cadenceDue[name] = nil }
        let definitions = fingerprint
        cadenceRun = Task { await recompute(due, definitions: definitions) }
    }

    /// Recomputes cadence segments with a batch evaluation as of now, then records what moved between
    /// two steps and schedules each one's next recomputation. A failure is logged and retried a
    /// minute later. When the definitions changed meanwhile, their change has recorded the memberships
    /// and scheduled the segments again, so the result is dropped.
    private func recompute(_ due: [String], definitions: String) async {
        defer { cadenceRun = nil }
        do {
            let started = ContinuousClock.now
            let (instant, members) = try await workbench.memberships(of: due)
            logger.debug(
                "real-time memberships: cadence segments evaluated",
                metadata: [
                    "segments": "\(due.joined(separator: ","))",
                    "seconds": "\((ContinuousClock.now - started).seconds)",
                ])
            try await exclusively {
                guard let engine, !Task.isCancelled, fingerprint == definitions else { return }
                var changes: [MembershipChange] = []
                for name in due {
                    changes += MembershipChange.differences(
                        from: [name: recorded[name] ?? []], to: [name: members[name] ?? []], at: instant,
                        cause: .cadence)
                    cadenceDue[name] = engine.cadenceSegments[name]?.interval.map { instant + $0 }
                }
                try await record(changes)
            }
        } catch {
            logger.error("real-time memberships: cannot recompute \(due.joined(separator: ", ")): \(error)")
            let retry = configuration.clock() + Self.cadenceRetry
            for name in due where cadenceDue[name] == nil && engine?.cadenceSegments[name] != nil {
                cadenceDue[name] = retry
            }
        }
    }

    /// Rebuilds the engine when the definition files changed, recording what the new definitions
    /// move as definition changes.
    private func applyDefinitions(_ engine: LiveEngine) async throws {
        let files = DefinitionFiles.read(from: runtime.workspace.root).files
        let models = EvaluationSession.versions(of: try await store.models())
        guard files != applied.sources || models != applied.models else {
            definitionsChanged = false
            return
        }
        let session: EvaluationSession
        do {
            session = try await Self.session(runtime)
        } catch {
            applied = Applied(sources: files, models: models)  // reported once, until they change again
            definitionsChanged = false
            logger.error("the changed definitions were not applied", metadata: ["error": "\(error)"])
            return
        }
        let instant = engine.now
        let (next, cadence, _) = try await load(session, at: instant, through: processed)
        self.engine = next
        startWarming(next)
        fingerprint = Self.fingerprint(of: session)
        applied = Applied(session)
        definitionsChanged = false
        scheduleCadence(next, from: instant)
        let changes = changed(from: recorded, cadence: cadence, engine: next, at: instant, cadenceCause: .definition)
        try await record(changes)
        try await takeSnapshot(of: next)
        logger.info("definitions applied", metadata: ["changes": "\(changes.count)"])
    }

    /// Records changes with the checkpoint in one transaction, applies them to ``recorded`` and sends
    /// them to the streams; returns the recording instant. Without changes the checkpoint alone is
    /// saved when `saving`, or when ``checkpointInterval`` has passed since it was last saved.
    @discardableResult
    private func record(_ changes: [MembershipChange], saving: Bool = false) async throws -> Int64 {
        let recordedAt = configuration.clock()
        guard let engine else { return recordedAt }
        let due = checkpointSaved.map { ContinuousClock.now - $0 >= Self.checkpointInterval } ?? true
        guard !changes.isEmpty || saving || due else { return recordedAt }
        let saved = try await store.recordChanges(
            changes, checkpoint: LiveCheckpoint(sequence: processed, instant: engine.now), recordedAt: recordedAt)
        checkpointSaved = .now
        if !changes.isEmpty { changedSinceSnapshot = true }
        for change in changes {
            if change.entered {
                recorded[change.segment, default: []].insert(change.profile)
            } else {
                recorded[change.segment]?.remove(change.profile)
            }
            sorted[change.segment] = nil
        }
        metrics.recordChanges(changes)
        if !changes.isEmpty { recordSizes(engine) }
        metrics.record(
            .flipLateness, seconds: changes.filter { $0.cause == .time }.map { Double(recordedAt - $0.instant) / 1000 })
        if !saved.isEmpty { feed.publish(saved) }
        return recordedAt
    }
}

/// What a live engine was built from, to tell when the definition files or the trained models change.
private struct Applied {
    /// The definition files' texts, by path.
    var sources: [String: String] = [:]
    /// When each stored model was trained, by name.
    var models: [String: Int64] = [:]

    init(sources: [String: String] = [:], models: [String: Int64] = [:]) {
        self.sources = sources
        self.models = models
    }

    init(_ session: EvaluationSession) {
        self.init(sources: session.sources, models: session.storedModels)
    }
}

/// A value handed to ``LiveService``'s worker queue and back. It is not thread-safe: the service
/// touches it only while no work of its own runs on the queue (steps run one at a time and wait for
/// the queue).
struct Confined<Value>: @unchecked Sendable {
    let value: Value

    init(_ value: Value) { self.value = value }
}

/// A snapshot of the engine handed to the thread that writes it, which holds its only reference and
/// so can let go of it a part at a time (``LiveEngine/Snapshot/release(pausing:)``).
private final class HeldSnapshot: @unchecked Sendable {
    var snapshot: LiveEngine.Snapshot

    init(_ snapshot: LiveEngine.Snapshot) { self.snapshot = snapshot }
}

/// A failure of the real-time engine, logged and retried.
struct LiveError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) { self.description = description }
}

/// Seconds as milliseconds with one decimal, for logs.
private func milliseconds(_ seconds: Double) -> String { String(format: "%.1f", seconds * 1000) }
