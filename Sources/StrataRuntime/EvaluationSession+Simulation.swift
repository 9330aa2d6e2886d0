import StrataActivation
import StrataCore
import StrataEngine
import StrataLanguage
import StrataStore

/// What an activation would have done over a stretch of the stored history.
public struct Simulation: Sendable {
    /// The activation simulated.
    public var activation: Activation
    /// The start of the window (exclusive): memberships as of this instant are where the replay begins.
    public var from: Int64
    /// The end of the window (inclusive).
    public var to: Int64
    /// The enters and exits of the activation's segment within the window.
    public var changes: Int
    /// Of those, the ones that triggered it (enters for `on: enter`, exits for `on: exit`).
    public var triggers: Int
    /// Its deliveries as decided, one per step of each trigger; those due after the window stay `pending`.
    public var deliveries: [Delivery]
}

extension Simulation {
    /// The statuses its deliveries have, in the order `Delivery.Status.allCases` lists them.
    public var statuses: [Delivery.Status] {
        let present = Set(deliveries.map(\.status))
        return Delivery.Status.allCases.filter(present.contains)
    }

    /// Its deliveries by status, as `strata activations simulate` and the dashboard show them.
    public var byStatus: [Delivery.Status: Int] { counts { _ in 0 }[0] ?? [:] }

    /// Its deliveries by the day they are due in a zone, and by status.
    public func byDay(in zone: Zone) -> [CivilDate: [Delivery.Status: Int]] { counts { zone.date(at: $0.dueAt) } }

    /// Its deliveries with a variant (assigned when a step is decided to send), by variant and status.
    public var byVariant: [String: [Delivery.Status: Int]] { counts(\.variant) }

    private func counts<Key: Hashable>(_ key: (Delivery) -> Key?) -> [Key: [Delivery.Status: Int]] {
        var counts: [Key: [Delivery.Status: Int]] = [:]
        for delivery in deliveries {
            guard let key = key(delivery) else { continue }
            counts[key, default: [:]][delivery.status, default: 0] += 1
        }
        return counts
    }
}

extension EvaluationSession {
    /// Replays the stored history between two instants through the real-time engine and the
    /// activations' decisions, as `strata serve` would have taken them (caps shared with the
    /// workspace's other marketing activations, control group, holdouts, rollouts, variants, `when`,
    /// quiet hours, reentry), and returns what one activation would have done. Nothing is sent or
    /// written. Only activations that can take cap room from it are decided with it.
    ///
    /// Memberships at `from` come from the messages up to it; the messages after it are replayed in
    /// event-time order, each batch of one instant after the time-driven changes due before it.
    /// Segments recomputed on a cadence are evaluated at `from` and every interval after it, as the
    /// server recomputes them, and move at those instants. Reentry counts only the triggers within
    /// the window.
    public func simulate(
        activation name: String, from: Int64, to: Int64, progress: (Int) -> Void = { _ in }
    ) async throws(SessionError) -> Simulation {
        let all = activationSettings
        guard let activation = all.activations[name] else {
            let names = all.activations.keys.sorted()
            let hint = Suggestion.nearest(to: name, in: names).map { "; did you mean `\($0)`?" } ?? ""
            throw SessionError(
                .unknownDefinition,
                "unknown activation `\(name)`\(names.isEmpty ? " (the workspace has no activations)" : hint)")
        }
        guard from < to else { throw SessionError(.invalidArgument, "--from must be before --to") }
        // Caps are the only way activations affect each other, and only marketing ones count.
        let sharesCaps = activation.category == .marketing && !all.messaging.caps.isEmpty
        let settings = all.keeping(
            activations: Set(
                all.activations.values.filter { $0.name == name || (sharesCaps && $0.category == .marketing) }.map(
                    \.name)
            ))
        let watched = Set(settings.activations.values.map(\.segment))
        let live = try replay(segments: watched, from: from, to: to, progress: progress)
        let cadence = try recomputations(segments: watched, from: from, to: to, progress: progress)
        // A stable sort: changes of one instant keep the order each source gave them.
        let relevant = (live.filter { watched.contains($0.segment) } + cadence).enumerated()
            .sorted { ($0.element.instant, $0.offset) < ($1.element.instant, $1.offset) }.map(\.element)
        do {
            let log = MemoryStore()
            let recorded = try await log.recordChanges(
                relevant, checkpoint: LiveCheckpoint(sequence: 0, instant: to), recordedAt: to)
            let deliveries = try await Triggering.deliveries(for: recorded, settings: settings) { activation, profile in
                try await log.lastTrigger(activation: activation, profile: profile)
            }
            try await log.enqueue(deliveries, consumer: "simulation", through: recorded.last?.id ?? 0)
            let decider = Decider(settings: settings, store: log, reader: self)
            while let instant = try await log.nextDueInstant(after: .min), instant <= to {
                let due = try await log.dueDeliveries(at: instant, limit: 10_000)
                var decided = try await decider.decide(due, at: instant).map(\.delivery)
                for index in decided.indices where decided[index].status == .sending {
                    decided[index].status = .sent
                    decided[index].attempts = 1
                    decided[index].finishedAt = instant
                }
                try await log.update(decided)
            }
            let own = relevant.filter { $0.segment == activation.segment }
            return Simulation(
                activation: activation, from: from, to: to, changes: own.count,
                triggers: own.filter { $0.entered == (activation.trigger == .enter) }.count,
                deliveries: try await log.deliveries(DeliveryQuery(activation: name, limit: Int.max)).reversed())
        } catch let error as SessionError {
            throw error
        } catch {
            throw .store(error)
        }
    }

    /// The membership changes in (from, to] of some segments, in order: the engine keeps only them and
    /// the segments they read, so time moves nothing else.
    private func replay(
        segments watched: Set<String>, from: Int64, to: Int64, progress: (Int) -> Void
    ) throws(SessionError) -> [MembershipChange] {
        var needed = Set(watched.map { DefinitionID(.segment, $0) })
        var pending = Array(needed)
        while let next = pending.popLast() {
            for dependency in definitions.dependencies[next] ?? [] where needed.insert(dependency).inserted {
                pending.append(dependency)
            }
        }
        var replayed = definitions
        replayed.segments = definitions.segments.filter { needed.contains(DefinitionID(.segment, $0.name)) }
        let keys = DataNeeds(definitions: replayed).payloadKeys
        var before: [(sequence: Int64, message: Message)] = []
        var during: [(sequence: Int64, message: Message)] = []
        var read = 0
        do {
            try store.forEachMessage(includingContext: false, payloadKeys: keys) { sequence, message in
                read += 1
                if read % 65_536 == 0 { progress(read) }
                if message.time <= from {
                    before.append((sequence, message))
                } else if message.time <= to {
                    during.append((sequence, message))
                }
            }
        } catch {
            throw .store(error)
        }
        during.sort { ($0.message.time, $0.sequence) < ($1.message.time, $1.sequence) }
        do {
            let engine = try LiveEngine.start(
                definitions: replayed, zone: zone, trainedModels: trainedModels, now: from, source: nil,
                scan: { body in for (sequence, message) in before { body(sequence, message) } })
            before = []
            var changes: [MembershipChange] = []
            var start = during.startIndex
            while start < during.endIndex {
                let instant = during[start].message.time
                var end = start
                while end < during.endIndex, during[end].message.time == instant { end += 1 }
                changes += try engine.ingest(Array(during[start..<end]), at: instant)
                start = end
            }
            changes += try engine.advance(to: to)
            return changes.filter { $0.instant > from && $0.instant <= to }
        } catch let error as EngineError {
            throw SessionError(.evaluation, error.description)
        } catch {
            throw .store(error)
        }
    }

    /// The most batch evaluations a simulation makes of segments recomputed on a cadence.
    static let maxRecomputations = 1_000

    /// The changes of the watched segments recomputed on a cadence: each is evaluated at `from` and
    /// every interval after it up to `to`, and what moved between two evaluations is a change at the
    /// later one's instant, with the cause `cadence`.
    private func recomputations(
        segments watched: Set<String>, from: Int64, to: Int64, progress: (Int) -> Void
    ) throws(SessionError) -> [MembershipChange] {
        let cadence = LiveEngine.cadenceSegments(of: definitions).filter { watched.contains($0.key) }
        guard !cadence.isEmpty else { return [] }
        var due: [Int64: [String]] = [from: cadence.keys.sorted()]
        for (name, refresh) in cadence.sorted(by: { $0.key < $1.key }) {
            guard let interval = refresh.interval else { continue }
            var instant = from + interval
            while instant <= to, due.count <= Self.maxRecomputations {
                due[instant, default: []].append(name)
                instant += interval
            }
        }
        guard due.count <= Self.maxRecomputations else {
            throw SessionError(
                .invalidArgument,
                "the window needs more than \(Self.maxRecomputations) recomputations of \(cadence.keys.sorted().joined(separator: ", ")) on their cadence: choose a shorter window"
            )
        }
        let instants = due.keys.sorted()
        let evaluated = try members(of: cadence.keys.sorted(), at: instants, progress: progress).members
        var previous: [String: Set<String>] = [:]
        var changes: [MembershipChange] = []
        for (instant, members) in zip(instants, evaluated) {
            var current = previous
            for name in due[instant] ?? [] { current[name] = members[name] }
            if instant > from {
                changes += MembershipChange.differences(from: previous, to: current, at: instant, cause: .cadence)
            }
            previous = current
        }
        return changes
    }
}
