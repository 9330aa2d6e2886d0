import StrataCore
import StrataLanguage

/// Heavy clusters: a cluster holding at least ``LiveEngine/heavyThreshold`` messages is evaluated apart
/// from the steps, so that its cost does not hold back the other clusters' changes. Its messages
/// wait, and are evaluated together at most once per ``LiveEngine/heavyInterval``
/// (``LiveEngine/takeHeavyJob()``), on another thread, as of the instant the evaluation starts; each
/// change is caused by the last of those messages its segment reads. A change due by time alone is
/// evaluated at its exact instant, unless a message of the cluster waits from before it: then it is
/// evaluated with that message. One evaluation is out at a time, so a cluster's changes keep the order
/// of its messages and instants.
extension LiveEngine {
    /// One heavy cluster's evaluation, made on the engine's thread and run on any
    /// (``run()``), then applied on the engine's thread (``LiveEngine/apply(_:)``).
    public struct HeavyJob: Sendable {
        let root: String
        let part: Part
        let context: PartContext
        /// The messages evaluated since the cluster's last evaluation, for the causes of its changes.
        let touches: [Touch]

        /// The instant the cluster is evaluated as of.
        public var instant: Int64 { context.now }

        /// The messages the cluster holds.
        public var messages: Int { part.size }

        /// Evaluates the cluster, on any thread.
        public func run() -> HeavyResult {
            HeavyResult(
                job: self,
                outcome: Result { () throws(EngineError) -> Outcome in try LiveEngine.evaluate(part, context: context) }
            )
        }
    }

    /// What a heavy cluster's evaluation found, for ``LiveEngine/apply(_:)``.
    public struct HeavyResult: Sendable {
        /// The evaluation.
        public let job: HeavyJob
        let outcome: Result<Outcome, EngineError>
    }

    /// The heavy clusters' evaluations waiting or under way.
    struct HeavyWork {
        /// A heavy cluster's messages waiting for its evaluation.
        struct Pending {
            var touches: [Touch]
            /// The segments the messages can move; nil for all.
            var only: Set<String>?
            /// The engine's instant when the first of them was taken.
            var since: Int64
        }

        /// The messages waiting, by cluster root.
        var pending: [String: Pending] = [:]
        /// Evaluations at an exact instant (a change due by time alone), in order, taken before any
        /// waiting messages.
        var ready: [HeavyJob] = []
        /// The root and instant of the evaluation given out and not applied yet.
        var out: (root: String, instant: Int64)?
        /// When the last evaluation of each heavy cluster started, within the last interval.
        var started: [String: Int64] = [:]

        /// Whether nothing waits and nothing is under way.
        var isEmpty: Bool { pending.isEmpty && ready.isEmpty && out == nil }

        /// Moves what waits for a cluster joined into another to that one.
        mutating func join(_ gone: String, into keep: String) {
            if let moved = pending.removeValue(forKey: gone) {
                pending[keep] =
                    pending[keep].map { kept in
                        Pending(
                            touches: (kept.touches + moved.touches).sorted { $0.sequence < $1.sequence },
                            only: Self.union(kept.only, moved.only), since: min(kept.since, moved.since))
                    } ?? moved
            }
            if let instant = started.removeValue(forKey: gone) {
                started[keep] = max(started[keep] ?? instant, instant)
            }
        }

        /// The segments either of two sets of messages can move (nil: all).
        static func union(_ a: Set<String>?, _ b: Set<String>?) -> Set<String>? {
            guard let a, let b else { return nil }
            return a.union(b)
        }
    }

    /// Whether a heavy cluster's evaluation waits or is under way.
    public var hasHeavyWork: Bool { !heavy.isEmpty }

    /// When ``takeHeavyJob()`` can next give an evaluation, on the engine's clock: nil while one is out
    /// or none waits.
    public var heavyReadyAt: Int64? {
        guard heavy.out == nil else { return nil }
        if !heavy.ready.isEmpty { return now }
        return heavy.pending.map { readyAt($0.key, $0.value) }.min()
    }

    /// Takes the next heavy cluster to evaluate, or nil while one is out or none is ready: first the
    /// evaluations due at an exact instant, in order, then the cluster whose messages have waited
    /// longest among those whose last evaluation started at least ``heavyInterval`` ago.
    public func takeHeavyJob() throws(EngineError) -> HeavyJob? {
        try takeHeavyJob(waiting: true)
    }

    /// Applies a heavy cluster's evaluation given out by ``takeHeavyJob()``: its changes, at the
    /// instant it was evaluated as of (by segment name, then profile), and the cluster's next due
    /// instant. When the evaluation failed, its messages wait again and the error is thrown.
    public func apply(_ result: HeavyResult) throws(EngineError) -> [MembershipChange] {
        heavy.out = nil
        let job = result.job
        let outcome: Outcome
        switch result.outcome {
        case .success(let found): outcome = found
        case .failure(let error):
            deferMessages(of: find(job.root), job.touches, only: job.context.only, since: job.instant)
            throw error
        }
        let (changes, next) = apply(
            [outcome], of: [job.part], touches: [job.root: job.touches], at: job.instant, apart: true)
        schedule(job, outcome: outcome, at: next[job.root])
        return changes
    }

    /// Evaluates every heavy cluster's waiting work now, on this thread, whatever the interval: before
    /// the engine's clusters are taken apart or its definitions change. Fails while an evaluation
    /// given out is not applied.
    public func finishHeavyWork() throws(EngineError) -> [MembershipChange] {
        guard heavy.out == nil else { throw EngineError("a heavy cluster's evaluation is still under way") }
        var changes: [MembershipChange] = []
        while let job = try takeHeavyJob(waiting: false) { changes += try apply(job.run()) }
        return changes
    }

    /// When each cluster is next due, with every cluster whose evaluation waits or is under way due
    /// when it began to wait: a snapshot records this, so that an engine restored from it evaluates them.
    var dueWithHeavyWork: ShardedDictionary<String, Int64> {
        var due = self.due
        var waiting = heavy.pending.map { ($0.key, $0.value.since) } + heavy.ready.map { ($0.root, $0.instant) }
        if let out = heavy.out { waiting.append(out) }
        for (node, instant) in waiting {
            let root = find(node)
            due[root] = min(due[root] ?? Int64.max, instant)
        }
        return due
    }

    /// Whether a cluster is evaluated apart: it holds at least ``heavyThreshold`` messages.
    func isHeavy(_ root: String) -> Bool {
        heavyThreshold != Int.max && (clusterMessages[root]?.count ?? 0) >= heavyThreshold
    }

    /// Leaves a heavy cluster's messages, taken now (or at `since`), to wait for its evaluation with
    /// those already waiting.
    func deferMessages(of root: String, _ touches: [Touch], only: Set<String>?, since: Int64? = nil) {
        let pending = heavy.pending[root]
        heavy.pending[root] = HeavyWork.Pending(
            touches: (pending?.touches ?? []) + touches,
            only: pending.map { HeavyWork.union($0.only, only) } ?? only,
            since: min(pending?.since ?? Int64.max, since ?? now))
    }

    /// The clusters due now that are evaluated in the step. A heavy one is evaluated apart, at this
    /// instant with what it holds, or with the messages that wait for it when some do (then every
    /// segment is evaluated, as time may move any).
    func deferDue(_ roots: [String]) throws(EngineError) -> [String] {
        guard heavyThreshold != Int.max else { return roots }
        var light: [String] = []
        for root in roots {
            if !isHeavy(root) {
                light.append(root)
            } else if heavy.pending[root] != nil {
                heavy.pending[root]?.only = nil
            } else {
                heavy.ready.append(try job(of: root, touches: [], only: nil))
            }
        }
        return light
    }

    /// When a cluster's waiting messages can be evaluated: once the interval since its last evaluation
    /// started has passed.
    private func readyAt(_ root: String, _ pending: HeavyWork.Pending) -> Int64 {
        max(pending.since, (heavy.started[root] ?? Int64.min / 2) + heavyInterval)
    }

    private func takeHeavyJob(waiting: Bool) throws(EngineError) -> HeavyJob? {
        guard heavy.out == nil else { return nil }
        let job: HeavyJob
        if !heavy.ready.isEmpty {
            job = heavy.ready.removeFirst()
        } else {
            let waited = heavy.pending.filter { !waiting || readyAt($0.key, $0.value) <= now }
            guard let (root, pending) = waited.min(by: { ($0.value.since, $0.key) < ($1.value.since, $1.key) })
            else { return nil }
            heavy.pending[root] = nil
            heavy.started = heavy.started.filter { $0.value + heavyInterval > now }
            heavy.started[root] = now
            job = try self.job(of: root, touches: pending.touches, only: pending.only)
        }
        heavy.out = (job.root, job.instant)
        return job
    }

    /// An evaluation of one cluster as of now, with what it holds.
    private func job(of root: String, touches: [Touch], only: Set<String>?) throws(EngineError) -> HeavyJob {
        let cluster = try messages(of: [root])
        let part = Part(
            clusters: cluster, previous: clusterProfiles[root] ?? [:], size: cluster.reduce(0) { $0 + $1.count })
        return HeavyJob(root: root, part: part, context: context(only: only), touches: touches)
    }

    /// Schedules a cluster after its evaluation apart: its next due instant, or, when that instant
    /// passed while it was evaluated, an evaluation at that exact instant with what it held then,
    /// unless a message of the cluster waits from before it (then that message's evaluation takes
    /// every segment) or an evaluation of the cluster at an instant up to it is ready (it schedules the
    /// next one).
    private func schedule(_ job: HeavyJob, outcome: Outcome, at instant: Int64?) {
        let root = find(job.root)
        let joined = root != job.root
        guard let instant else {
            if !joined { due[root] = nil }
            return
        }
        guard instant <= now else {
            if !joined || instant < (due[root] ?? Int64.max) {
                due[root] = instant
                queue.push(instant, root)
            }
            return
        }
        if !joined { due[root] = nil }
        if let pending = heavy.pending[root], pending.since <= instant {
            heavy.pending[root]?.only = nil
            return
        }
        if heavy.ready.contains(where: { find($0.root) == root && $0.instant <= instant }) { return }
        var previous: [ProfileKind: Set<String>] = [:]
        for (kind, ids) in outcome.ids where !ids.isEmpty { previous[kind] = Set(ids) }
        var context = job.context
        (context.now, context.only) = (instant, nil)
        let part = Part(clusters: job.part.clusters, previous: previous, size: job.part.size)
        heavy.ready.insert(HeavyJob(root: job.root, part: part, context: context, touches: []), at: 0)
    }
}
