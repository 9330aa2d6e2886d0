import Foundation
import Logging
import ServiceLifecycle
import StrataCore
import StrataEngine
import StrataLanguage
import StrataRuntime
import StrataStore

/// Real-time memberships inside the server: follows the store's message log with a ``LiveEngine``,
/// fires time-driven changes at their instant, recomputes cadence segments when due, and records
/// every enter and exit (with a checkpoint) before handing it to the change feed. Membership reads
/// (``Memberships``) answer from what it recorded.
///
/// Its parts: ``LiveEngineLoader`` builds the engine (resumed from the latest snapshot, or from the
/// stored messages), ``RecordedMembers`` holds the recorded members, ``CadenceSchedule`` says when
/// cadence segments are due, ``SnapshotSchedule`` and ``SnapshotWriter`` keep the snapshot a restart
/// resumes from, ``WarmFeed`` reads back the clusters the engine does not hold. The steps are in
/// LiveService+Step.swift.
///
/// Start-up resumes from the checkpoint: the engine's state as of the checkpoint's instant (what was
/// recorded then, so nothing is reported again), the messages stored after it are taken, then time
/// moves to now and the changes that fell due meanwhile are recorded at their own instants. A first
/// start records the memberships as they are without reporting them. With a cadence evaluator other
/// than the embedded engine (ClickHouse), every start and every definition change recomputes the cadence
/// segments with it at once instead (``CadenceSchedule/scheduleNow(_:at:cause:)``).
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
    /// Messages read back from the store per part of warming an engine (``WarmFeed``).
    static let warmMessages = 10_000

    let runtime: Runtime
    let workbench: Workbench
    /// What cadence segments are recomputed with (``CadenceEvaluator``).
    let cadenceEvaluator: any CadenceEvaluator
    let metrics: Metrics
    let configuration: Server.Configuration
    let logger: Logger
    /// The recorded changes for the change stream and other consumers.
    let feed: ChangeFeed
    let doorbell = Doorbell()
    let snapshots: SnapshotWriter
    /// The last message stored before this server began. A first start (no checkpoint) takes the
    /// messages up to here as its starting point, recorded without changes; every message received
    /// since, even while the engine was still starting, is taken as a change.
    let baseline: Int64?
    /// Where blocking work runs: store reads and evaluation, off the cooperative pool that serves
    /// requests, so a long evaluation does not hold back ingestion.
    let worker = DispatchQueue(label: "strata.live")
    /// Where the recorded members are sorted for reads (``members(of:)``), beside the steps.
    let reads = DispatchQueue(label: "strata.live.reads")

    /// The engine, nil until it has started.
    var engine: LiveEngine?
    /// Identifies the definitions, models and time zone the engine was built from, for its snapshots.
    var fingerprint = ""
    /// How many ids the store had erased when the engine was built or last forgot a profile: a
    /// snapshot taken before an erasure may hold the erased profile, so it is not resumed from
    /// (``stateFingerprint``).
    var erased = 0
    /// What the engine was built from.
    var applied = AppliedDefinitions()
    /// Whether a definition changed through the API since the engine was built.
    var definitionsChanged = false
    /// The last message sequence taken.
    var processed: Int64 = 0
    /// The engine's next due instant as the last step left it, for the loop's sleep: the engine itself
    /// is touched only inside a step, as work on ``worker`` may be using it meanwhile.
    var nextDue: Int64?
    /// When the checkpoint was last saved.
    var checkpointSaved: ContinuousClock.Instant?
    var recorded = RecordedMembers()
    var cadence = CadenceSchedule()
    var snapshotSchedule = SnapshotSchedule()
    /// The clusters the engine does not hold being read back on a thread of their own, to be held
    /// before each batch a step takes (``holdWarmed()``).
    var warmFeed: WarmFeed?
    /// Lets one start or step run at a time (the actor is reentrant at every `await`, and two steps
    /// must never interleave).
    let gate = Gate()
    /// How far the engine is behind the message log, for reads that must not wait for it.
    let backlog: Backlog
    /// Where heavy clusters are evaluated, beside the steps (``pumpHeavy(_:)``).
    let heavyLane = HeavyLane()

    init(
        runtime: Runtime, workbench: Workbench, cadenceEvaluator: any CadenceEvaluator, metrics: Metrics,
        configuration: Server.Configuration, logger: Logger
    ) {
        self.runtime = runtime
        self.feed = ChangeFeed(log: runtime.store)
        self.workbench = workbench
        self.cadenceEvaluator = cadenceEvaluator
        self.metrics = metrics
        self.configuration = configuration
        self.logger = logger
        snapshots = SnapshotWriter(
            url: URL(fileURLWithPath: runtime.workspace.databaseURL.path + "-live-snapshot"), metrics: metrics,
            logger: logger)
        do {
            baseline = try runtime.store.lastSequence()
        } catch {
            logger.error("real-time memberships: cannot read the message log", metadata: ["error": "\(error)"])
            baseline = nil
        }
        backlog = Backlog(stored: baseline ?? 0)
    }

    /// The store.
    var store: any Store { runtime.store }

    /// New messages were committed: notes the last one in the backlog and wakes the engine.
    nonisolated func messagesStored() {
        do {
            backlog.stored(through: try runtime.store.lastSequence())
        } catch {
            logger.error("real-time memberships: cannot read the message log", metadata: ["error": "\(error)"])
        }
        doorbell.ring()
    }

    /// A read wants the memberships current to now: wakes the engine for a step.
    nonisolated func wake() {
        doorbell.ring()
    }

    /// A definition file was written or removed: applies it before returning (once the engine has
    /// started; before that, the start reads it). A failure is logged, and retried by the next step.
    func definitionsDidChange() async {
        definitionsChanged = true
        guard engine != nil else { return }
        do {
            try await gate.exclusively { try await step() }
        } catch {
            logger.error("real-time memberships: a step failed", metadata: ["error": "\(error)"])
        }
    }

    // MARK: Reads

    /// Whether the memberships are ready: the engine has started and recorded them.
    nonisolated var isReady: Bool { backlog.currentTo != nil }

    /// The members of a segment as recorded (kept in real time, or recomputed on its cadence), sorted
    /// by bytes, whatever the engine's backlog; nil before the engine has started and for segments it
    /// does not keep. What sorting they need is done on ``reads``, so that steps go on meanwhile.
    func members(of segment: String) async -> Recorded<[String]>? {
        guard engine?.keeps(segment) == true, let currentTo = backlog.currentTo else { return nil }
        switch recorded.sortedMembers(of: segment) {
        case .ready(let members):
            return Recorded(value: members, currentTo: currentTo)
        case .build(let build):
            let members = await withCheckedContinuation { continuation in
                reads.async { continuation.resume(returning: build.run()) }
            }
            recorded.keep(members, of: build)
            return Recorded(value: members, currentTo: currentTo)
        }
    }

    /// The size of every segment kept, by name, as recorded; nil before the engine has started.
    func sizes() -> Recorded<[String: Int]>? {
        guard let engine, let currentTo = backlog.currentTo else { return nil }
        return Recorded(value: recorded.sizes(keptBy: engine), currentTo: currentTo)
    }

    /// The kept segments whose recorded members include a profile key, in name order; nil before the
    /// engine has started.
    func segments(holding key: String) -> Recorded<[String]>? {
        guard let engine, let currentTo = backlog.currentTo else { return nil }
        return Recorded(value: recorded.segments(holding: key, keptBy: engine), currentTo: currentTo)
    }

    // MARK: The service

    func run() async throws {
        await withGracefulShutdownHandler {
            await loop()
        } onGracefulShutdown: {
            self.doorbell.ring()
        }
        // A recomputation still running records nothing: the next start recomputes what is due.
        cadence.running?.cancel()
        warmFeed?.cancel()
        var (checkpoint, snapshot) = ("none", "none")
        do {
            try await gate.exclusively {
                if let engine { try await finishHeavy(engine) }
                // Not behind one being written: that one goes at full speed now, and the next start
                // takes the messages after it up to the checkpoint.
                if let engine, snapshotSchedule.isStale(processed: processed), !snapshots.isWriting {
                    try await takeSnapshot(of: engine, paced: false)
                    snapshot = "written at message \(processed)"
                } else {
                    try await record([], saving: true)
                    if snapshotSchedule.sequence >= 0 { snapshot = "current at message \(snapshotSchedule.sequence)" }
                }
                if engine != nil { checkpoint = "message \(processed)" }
            }
        } catch let error where !Task.isCancelled {
            logger.error(
                "real-time memberships: cannot save the checkpoint at shutdown", metadata: ["error": "\(error)"])
        } catch {
            // A start of the server that failed (the port is taken, say) cancels its services, and the
            // store refuses work for a cancelled task: no graceful stop, nothing saved, nothing to report.
        }
        await snapshots.finish()
        feed.close()
        guard Task.isShuttingDownGracefully else { return }
        if snapshots.isWriting {
            // The stop took longer than `shutdown_timeout`: the process exits without waiting for it.
            snapshot = "left unwritten at the shutdown bound (the next start resumes from the one before)"
        }
        await logStop(checkpoint: checkpoint, snapshot: snapshot)
    }

    /// Logs what a graceful stop leaves behind, once the requests in flight have finished and the
    /// outbox has stopped (the service group stops this service last): the messages the ingestion
    /// routes stored since the start, where the real-time engine's checkpoint and snapshot stand ("none"
    /// when the engine had not started), and the deliveries the outbox left `sending`, which the next
    /// start sends again with the same id.
    private func logStop(checkpoint: String, snapshot: String) async {
        var metadata: Logger.Metadata = [
            "messages.stored": "\(metrics.messagesStored)", "checkpoint": "\(checkpoint)", "snapshot": "\(snapshot)",
        ]
        if Task.isCancelled {
            // Past the bound the store takes no more work.
            metadata["deliveries.sending"] = "not counted (stopped at the shutdown bound)"
            logger.info("stopped", metadata: metadata)
            return
        }
        do {
            let counts = try await store.deliveryCounts(activation: nil, since: Int64.min)
            metadata["deliveries.sending"] = "\(counts[.sending] ?? 0)"
        } catch {
            metadata["deliveries.sending"] = "unknown: \(error)"
        }
        logger.info("stopped", metadata: metadata)
    }

    private func loop() async {
        var lastBeat = ContinuousClock.now
        var failures = 0
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await gate.exclusively {
                    if engine == nil { try await start() }
                    try await step()
                }
                failures = 0
            } catch {
                // A stop (or a failed start of the server) cancels the work under way: not a failure.
                if Task.isCancelled { break }
                failures += 1
                logger.error(
                    "real-time memberships: a start or step failed",
                    metadata: ["error": "\(error)", "failures": "\(failures)"])
            }
            if ContinuousClock.now - lastBeat >= Self.heartbeat {
                feed.publish([])
                lastBeat = .now
            }
            await doorbell.wait(atMost: waitTime(failures: failures))
        }
    }

    /// How long to sleep: until the next time-driven change or cadence, at most ``poll``; longer after
    /// repeated failures.
    private func waitTime(failures: Int) -> Duration {
        if failures > 0 { return .seconds(min(30, 1 << min(failures, 5))) }
        let now = configuration.clock()
        let next = min(nextDue ?? Int64.max, cadence.next ?? Int64.max)
        guard next != Int64.max else { return Self.poll }
        return min(Self.poll, .milliseconds(max(0, next - now)))
    }

    /// Runs blocking work on ``worker`` and waits for it without holding a thread of the pool.
    func blocking<T>(_ body: @escaping @Sendable () throws -> T) async throws -> T where T: Sendable {
        try await withCheckedThrowingContinuation { continuation in
            worker.async { continuation.resume(with: Result { try body() }) }
        }
    }

    // MARK: Start

    /// Builds the engine from the store, resuming from the checkpoint.
    private func start() async throws {
        let started = ContinuousClock.now
        let session = try await LiveEngineLoader.session(runtime)
        let fingerprint = LiveEngineLoader.fingerprint(of: session)
        erased = try await store.erasedCount()
        let checkpoint = try await store.liveCheckpoint()
        let instant = checkpoint?.instant ?? configuration.clock()
        // Read while the engine is built, on another core.
        async let recordedMembers = store.liveMembers()
        let engine: LiveEngine
        var cadenceMembers: [String: Set<String>] = [:]
        var recording: Task<[String: Set<String>], any Error>?
        var resumed: Int64?
        // With ClickHouse, every start recomputes the cadence segments with it at once rather than take the
        // embedded engine's evaluation (not resumed) or leave them until due (resumed: a definition
        // change's recomputation may not have answered before the stop), and keeps their recorded members
        // until it answers (``CadenceEvaluator``).
        let deferred = !cadenceEvaluator.isEmbedded
        if let checkpoint,
            let restored = await resume(
                session, fingerprint: Self.stateFingerprint(fingerprint, erased: erased), at: checkpoint)
        {
            (engine, resumed) = restored
            processed = checkpoint.sequence
        } else {
            // Without a checkpoint, the members are recorded as they are, while the engine settles.
            let store = store
            let record: LiveEngineLoader.Recording = { members, last in
                try await store.resetLiveMembers(members, checkpoint: LiveCheckpoint(sequence: last, instant: instant))
            }
            let loaded = try await load(
                session, at: instant, through: checkpoint?.sequence ?? baseline ?? Int64.max,
                recording: checkpoint == nil ? record : nil, recordingCadence: !deferred)
            (engine, cadenceMembers) = (loaded.engine, loaded.cadence)
            recording = loaded.recording
            processed = loaded.last
        }
        adopt(engine)
        self.fingerprint = fingerprint
        applied = AppliedDefinitions(session)
        definitionsChanged = false
        if checkpoint != nil {
            let previous = try await recordedMembers
            recorded.reset(previous)
            // A resumed engine leaves the cadence segments as recorded until they are next due.
            if resumed != nil || deferred {
                cadenceMembers = previous.filter { engine.cadenceSegments[$0.key] != nil }
            }
            try await record(
                changed(from: previous, cadence: cadenceMembers, engine: engine, at: instant, cadenceCause: .cadence))
        } else {
            // Not resumed: the engine was started, and its memberships, the batch evaluation's, recorded
            // (a recording is always made without a checkpoint).
            recorded.reset(try await recording?.value ?? [:])
            backlog.taken(through: processed, currentTo: engine.now)
        }
        recordSizes(engine)
        // A resumed engine keeps the cadence segments as recorded: they were not evaluated now.
        if deferred {
            cadence.scheduleNow(engine, at: instant, cause: .cadence)
        } else {
            if resumed == nil { try await store.recordRecomputations(Array(engine.cadenceSegments.keys), at: instant) }
            cadence.schedule(engine, from: instant)
        }
        if let resumed {
            snapshotSchedule.taken(at: resumed)
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
        let url = snapshots.url
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let capacity = configuration.heldMessages
        do {
            let resumed = try await blocking {
                Confined(
                    try LiveEngineLoader.resume(
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

    /// A started engine over the stored messages up to a sequence (``LiveEngineLoader/start(_:at:through:capacity:recording:recordingCadence:)``).
    func load(
        _ session: EvaluationSession, at instant: Int64, through last: Int64,
        recording: LiveEngineLoader.Recording? = nil, recordingCadence: Bool = true
    ) async throws -> LiveEngineLoader.Started {
        let capacity = configuration.heldMessages
        return try await blocking {
            Confined(
                try LiveEngineLoader.start(
                    session, at: instant, through: last, capacity: capacity, recording: recording,
                    recordingCadence: recordingCadence))
        }.value
    }

    /// An engine for a session's definitions over the clusters of the running one, or when they join
    /// ids differently one started from the stored messages up to the same sequence, at its clock.
    func reload(
        _ old: LiveEngine, session: EvaluationSession, through last: Int64
    ) async throws -> LiveEngineLoader.Started {
        let capacity = configuration.heldMessages
        let running = Confined(old)
        let reloaded = try await blocking {
            Confined(try LiveEngineLoader.reload(running.value, session: session, through: last, capacity: capacity))
        }.value
        guard let reloaded else { return try await load(session, at: old.now, through: last) }
        return reloaded
    }

    /// The enters and exits from recorded memberships to an engine's (as definition changes) and to the
    /// members of its cadence segments (with `cadenceCause`).
    func changed(
        from old: [String: Set<String>], cadence new: [String: Set<String>], engine: LiveEngine, at instant: Int64,
        cadenceCause: MembershipChange.Cause
    ) -> [MembershipChange] {
        let isCadence = { (name: String) in engine.cadenceSegments[name] != nil }
        return engine.changes(from: old.filter { !isCadence($0.key) }, at: instant, cause: .definition)
            + MembershipChange.differences(
                from: old.filter { isCadence($0.key) }, to: new, at: instant, cause: cadenceCause)
    }

    /// Makes an engine the service's, evaluating clusters of at least ``Server/Configuration/heavyMessages``
    /// messages (when set) apart from the steps, each at most once per ``Server/Configuration/heavyInterval``.
    func adopt(_ engine: LiveEngine) {
        engine.heavyThreshold = configuration.heavyMessages ?? Int.max
        engine.heavyInterval = Int64(configuration.heavyInterval / .milliseconds(1))
        self.engine = engine
    }

    /// Sets the segment-size metrics to the recorded members of the segments an engine keeps.
    func recordSizes(_ engine: LiveEngine) {
        metrics.recordSegmentSizes(recorded.sizes(keptBy: engine))
    }

    /// Starts reading back the clusters an engine does not hold, in parts, on a thread of its own
    /// (``LiveEngine/Warmer``), instead of any warming under way for an engine before it.
    func startWarming(_ engine: LiveEngine) {
        warmFeed?.cancel()
        warmFeed = nil
        guard let warmer = engine.warmer(reading: LiveEngineLoader.source(store, engine.payloadKeys)) else { return }
        let logger = logger
        warmFeed = WarmFeed(warmer, messages: Self.warmMessages, doorbell: doorbell) { error in
            logger.error(
                "real-time memberships: stopped reading back clusters before they are needed",
                metadata: ["error": "\(error)"])
        }
    }

    /// Identifies what the engine's state comes from: the definitions (``fingerprint``) and the
    /// erasures so far (``erased``).
    var stateFingerprint: String { Self.stateFingerprint(fingerprint, erased: erased) }

    /// ``stateFingerprint`` of its parts.
    static func stateFingerprint(_ fingerprint: String, erased: Int) -> String { "\(fingerprint)/\(erased)" }

    /// Saves the checkpoint where the engine is, then hands a snapshot of the engine there to the
    /// writer, paced unless at shutdown.
    func takeSnapshot(of engine: LiveEngine, paced: Bool = true) async throws {
        try await record([], saving: true)
        let (store, sequence) = (store, processed)
        let anchor = try await blocking {
            try store.messages(sequences: [sequence], payloadKeys: []).first?.message.messageId ?? ""
        }
        snapshots.write(
            engine.snapshot(fingerprint: stateFingerprint, sequence: sequence, anchor: anchor), sequence: sequence,
            paced: paced)
        snapshotSchedule.taken(at: sequence)
    }
}

/// A value read from the recorded memberships, with the instant they are current to.
struct Recorded<Value: Sendable>: Sendable {
    var value: Value
    var currentTo: Int64
}

/// A value handed to ``LiveService``'s worker queue and back. It is not thread-safe: the service
/// touches it only while no work of its own runs on the queue (steps run one at a time and wait for
/// the queue).
struct Confined<Value>: @unchecked Sendable {
    let value: Value

    init(_ value: Value) { self.value = value }
}

/// A failure of the real-time engine, logged and retried.
struct LiveError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) { self.description = description }
}
