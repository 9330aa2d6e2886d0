import Foundation
import Logging
import ServiceLifecycle
import StrataCore
import StrataEngine
import StrataLanguage
import StrataRuntime
import StrataStore

/// The live service's steps: the messages stored since the last step, the time that passed, the
/// cadence segments due and the definitions changed, each recorded with the checkpoint.
extension LiveService {
    /// Holds in the engine the clusters read back since the last call: otherwise the first message of
    /// each cluster would wait for its read, and a restarted engine under load would fall behind.
    func holdWarmed() async throws {
        guard let feed = warmFeed, let engine else { return }
        let (parts, finished) = feed.take()
        if !parts.isEmpty {
            let confined = Confined(engine)
            try await blocking { for part in parts { confined.value.hold(part) } }
            metrics.recordHeld(messages: engine.heldMessages)
        }
        if finished {
            warmFeed = nil
            logger.info(
                "real-time memberships: clusters read back", metadata: ["messages.held": "\(engine.heldMessages)"])
        }
    }

    /// Takes the messages stored since the last step, moves time to now, recomputes cadence segments
    /// that are due and applies changed definitions, recording the changes of each part; before each
    /// batch of messages, holds the clusters read back meanwhile (``holdWarmed()``).
    func step() async throws {
        guard let engine else { return }
        // The engine is used on ``worker`` only while this step waits for it.
        let confined = Confined(engine)
        while true {
            let holding = ContinuousClock.now
            try await holdWarmed()
            try await pumpHeavy(confined)
            var holdSeconds = (ContinuousClock.now - holding).seconds
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
                        "hold_ms": "\(milliseconds(holdSeconds))", "read_ms": "\(milliseconds(readSeconds))",
                        "evaluation_ms": "\(milliseconds(seconds))",
                        "record_ms": "\(milliseconds(recordSeconds))",
                        "oldest_ms": "\(recordedAt - (part.map(\.message.receivedAt).min() ?? recordedAt))",
                    ])
                (readSeconds, holdSeconds) = (0, 0)
            }
            // At a stop the rest waits for the next start, which takes it after the checkpoint.
            if batch.count < Self.batchSize || Task.isShuttingDownGracefully { break }
        }
        let now = configuration.clock()
        let advancing = ContinuousClock.now
        let (timeChanges, evaluated) = try await blocking {
            let before = confined.value.evaluatedMessages
            let changes = try confined.value.advance(to: now)
            return (changes, confined.value.evaluatedMessages - before)
        }
        let advanceSeconds = (ContinuousClock.now - advancing).seconds
        let recording = ContinuousClock.now
        try await record(timeChanges)
        let recordSeconds = (ContinuousClock.now - recording).seconds
        let finishing = ContinuousClock.now
        try await pumpHeavy(confined)
        if definitionsChanged || configuration.watch { try await applyDefinitions(engine) }
        // After the definitions: a change schedules the cadence segments ClickHouse evaluates at once.
        recomputeCadence()
        var snapshot = false
        if let engine = self.engine, snapshotSchedule.isDue(processed: processed, writing: snapshots.isWriting) {
            try await takeSnapshot(of: engine)
            snapshot = true
        }
        // What time moved (clusters due by now), then the heavy clusters, definitions, cadence and snapshot.
        logger.debug(
            "real-time memberships: step end",
            metadata: [
                "at": "\(Instant.format(now))", "time_changes": "\(timeChanges.count)",
                "time_evaluated": "\(evaluated)", "time_evaluation_ms": "\(milliseconds(advanceSeconds))",
                "time_record_ms": "\(milliseconds(recordSeconds))",
                "rest_ms": "\(milliseconds((ContinuousClock.now - finishing).seconds))", "snapshot": "\(snapshot)",
            ])
        nextDue = self.engine.flatMap { engine in [engine.nextDue, engine.heavyReadyAt].compactMap { $0 }.min() }
    }

    /// Applies the heavy cluster's evaluation that finished on ``heavyLane``, recording its changes, and
    /// starts the next one that is ready there.
    func pumpHeavy(_ confined: Confined<LiveEngine>) async throws {
        if let result = await heavyLane.finished() { try await applyHeavy(result, confined) }
        let engine = confined.value
        guard !heavyLane.isBusy, let ready = engine.heavyReadyAt, ready <= engine.now,
            let job = try await blocking({ try confined.value.takeHeavyJob() })
        else { return }
        heavyLane.start(job, doorbell: doorbell)
    }

    /// Applies the heavy evaluation under way once it finishes, and evaluates every one waiting at once,
    /// recording their changes: before the engine's clusters are taken apart or rebuilt, and at a stop.
    func finishHeavy(_ engine: LiveEngine) async throws {
        let confined = Confined(engine)
        if let result = await heavyLane.wait() { try await applyHeavy(result, confined) }
        try await record(try await blocking { try confined.value.finishHeavyWork() })
    }

    /// Applies a heavy cluster's evaluation and records its changes.
    private func applyHeavy(_ result: LiveEngine.HeavyResult, _ confined: Confined<LiveEngine>) async throws {
        let changes = try await blocking { try confined.value.apply(result) }
        try await record(changes)
        logger.debug(
            "real-time memberships: heavy cluster evaluated",
            metadata: [
                "as_of": "\(Instant.format(result.job.instant))", "messages": "\(result.job.messages)",
                "changes": "\(changes.count)",
            ])
    }

    /// Starts recomputing the cadence segments that are due, unless a recomputation is under way.
    func recomputeCadence() {
        let due = cadence.takeDue(at: configuration.clock())
        guard !due.isEmpty else { return }
        let (definitions, erased) = (fingerprint, erased)
        cadence.running = Task { await recompute(due, definitions: definitions, erased: erased) }
    }

    /// Recomputes cadence segments with a batch evaluation as of now (``cadenceEvaluator``: the embedded
    /// engine's, or ClickHouse's with `store: clickhouse`), then records what moved between
    /// two steps, with the cause the schedule gives (``CadenceSchedule/cause(of:)``: `cadence`, or
    /// `definition` after a definition change), and schedules each one's next recomputation. A failure
    /// is logged and retried a minute later. When the definitions changed meanwhile, their change has
    /// recorded the memberships or scheduled the segments again, so the result is dropped; when a
    /// profile was erased meanwhile, the result may hold it, so it is dropped and the segments
    /// recomputed a minute later.
    func recompute(_ due: [String], definitions: String, erased: Int) async {
        defer {
            cadence.running = nil
            doorbell.ring()
        }
        do {
            let started = ContinuousClock.now
            let (instant, members) = try await cadenceEvaluator.memberships(of: due)
            let seconds = (ContinuousClock.now - started).seconds
            try await gate.exclusively {
                guard let engine, !Task.isCancelled, fingerprint == definitions else { return }
                guard self.erased == erased else {
                    cadence.failed(due, at: configuration.clock(), keptBy: engine)
                    return
                }
                var changes: [MembershipChange] = []
                var causes: Set<String> = []
                for name in due {
                    let cause = cadence.cause(of: name)
                    causes.insert(cause.name)
                    changes += MembershipChange.differences(
                        from: [name: recorded.members[name] ?? []], to: [name: members[name] ?? []], at: instant,
                        cause: cause)
                    cadence.recomputed(name, at: instant, refresh: engine.cadenceSegments[name])
                }
                try await record(changes)
                try await store.recordRecomputations(due, at: instant)
                logger.info(
                    "real-time memberships: cadence segments recomputed",
                    metadata: [
                        "segments": "\(due.joined(separator: ","))", "evaluator": "\(cadenceEvaluator.name)",
                        "cause": "\(causes.sorted().joined(separator: ","))", "as_of": "\(Instant.format(instant))",
                        "changes": "\(changes.count)", "seconds": "\(seconds)",
                    ])
            }
        } catch {
            // A stop cancelled it (waiting for the shipping to ClickHouse, say): the next start recomputes
            // what is due.
            guard !Task.isCancelled else { return }
            logger.error(
                "real-time memberships: cannot recompute cadence segments",
                metadata: ["segments": "\(due.joined(separator: ","))", "error": "\(error)"])
            cadence.failed(due, at: configuration.clock(), keptBy: engine)
        }
    }

    /// Rebuilds the engine when the definition files changed, recording what the new definitions
    /// move as definition changes.
    func applyDefinitions(_ engine: LiveEngine) async throws {
        let files = DefinitionFiles.read(from: runtime.workspace.root).files
        let models = EvaluationSession.versions(of: try await store.models())
        guard AppliedDefinitions(sources: files, models: models) != applied else {
            definitionsChanged = false
            return
        }
        let session: EvaluationSession
        do {
            session = try await LiveEngineLoader.session(runtime)
        } catch {
            applied = AppliedDefinitions(sources: files, models: models)  // reported once, until they change again
            definitionsChanged = false
            logger.error("the changed definitions were not applied", metadata: ["error": "\(error)"])
            return
        }
        let instant = engine.now
        // Their changes are the old definitions' own, recorded as caused by their messages.
        try await finishHeavy(engine)
        let loaded = try await reload(engine, session: session, through: processed)
        let next = loaded.engine
        adopt(next)
        await workbench.install(loaded.evaluated)
        startWarming(next)
        fingerprint = LiveEngineLoader.fingerprint(of: session)
        applied = AppliedDefinitions(session)
        definitionsChanged = false
        // The cadence segments are the embedded engine's evaluation, or recomputed at once by another
        // evaluator (ClickHouse), keeping their recorded members until it answers.
        let cadenceMembers: [String: Set<String>]
        if cadenceEvaluator.isEmbedded {
            cadence.schedule(next, from: instant)
            try await store.recordRecomputations(Array(next.cadenceSegments.keys), at: instant)
            cadenceMembers = loaded.cadence
        } else {
            cadence.scheduleNow(next, at: instant, cause: .definition)
            cadenceMembers = recorded.members.filter { next.cadenceSegments[$0.key] != nil }
        }
        let changes = changed(
            from: recorded.members, cadence: cadenceMembers, engine: next, at: instant, cadenceCause: .definition)
        try await record(changes)
        try await takeSnapshot(of: next)
        logger.info("definitions applied", metadata: ["changes": "\(changes.count)"])
    }

    /// Records changes with the checkpoint in one transaction, applies them to ``recorded`` and sends
    /// them to the streams; returns the recording instant. Without changes the checkpoint alone is
    /// saved when `saving`, or when ``checkpointInterval`` has passed since it was last saved.
    @discardableResult
    func record(_ changes: [MembershipChange], saving: Bool = false) async throws -> Int64 {
        let recordedAt = configuration.clock()
        guard let engine else { return recordedAt }
        metrics.recordHeld(messages: engine.heldMessages)
        let due = checkpointSaved.map { ContinuousClock.now - $0 >= Self.checkpointInterval } ?? true
        guard !changes.isEmpty || saving || due else {
            backlog.taken(through: processed, currentTo: engine.now)
            return recordedAt
        }
        backlog.recording()
        defer { backlog.recorded() }
        let saved = try await store.recordChanges(
            changes, checkpoint: LiveCheckpoint(sequence: processed, instant: engine.now), recordedAt: recordedAt)
        checkpointSaved = .now
        if !changes.isEmpty { snapshotSchedule.changedSince = true }
        recorded.apply(changes)
        backlog.taken(through: processed, currentTo: engine.now)
        metrics.recordChanges(changes)
        if !changes.isEmpty { recordSizes(engine) }
        metrics.record(
            .flipLateness, seconds: changes.filter { $0.cause == .time }.map { Double(recordedAt - $0.instant) / 1000 })
        if !saved.isEmpty { feed.publish(saved) }
        return recordedAt
    }
}

/// Seconds as milliseconds with one decimal, for logs.
private func milliseconds(_ seconds: Double) -> String { String(format: "%.1f", seconds * 1000) }
