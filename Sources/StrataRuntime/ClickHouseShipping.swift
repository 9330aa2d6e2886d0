import Logging
import StrataClickHouse
import StrataCore
import StrataStore
import Synchronization

/// Ships the message log to ClickHouse in the background while the server ingests (`strata serve`
/// with `store: clickhouse`), and keeps the lag: the messages stored and not yet shipped, and how
/// long the oldest of them has waited.
///
/// Each round ships every message ClickHouse lacks with ``StrataClickHouse/Shipper`` (in its large
/// batches, at least once and stored once, identity links included) and carries out the erasures
/// ClickHouse lacks with ``StrataClickHouse/Eraser``. Messages are read from the log, so only durable
/// ones are shipped. A round runs every `interval`, and at once when a commit leaves a batch's worth
/// waiting. A failed round is retried after a backoff that doubles up to `maxBackoff`; the failure is
/// logged once per outage, at its start, and its end once, with how many rounds failed.
public final class ClickHouseShipping: Sendable {
    /// How often the shipper ships, and how it backs off.
    public struct Configuration: Sendable {
        /// The time between rounds while ClickHouse answers.
        public var interval: Duration
        /// The longest wait between rounds while ClickHouse fails.
        public var maxBackoff: Duration
        /// Messages waiting that start a round before `interval` has passed.
        public var batchSize: Int64

        /// A configuration; by default a round every five seconds, or sooner once 50,000 messages wait,
        /// and at most a minute between the retries of an outage.
        public init(interval: Duration = .seconds(5), maxBackoff: Duration = .seconds(60), batchSize: Int64 = 50_000) {
            self.interval = interval
            self.maxBackoff = maxBackoff
            self.batchSize = batchSize
        }
    }

    /// The shipper's lag at an instant.
    public struct Lag: Sendable, Equatable {
        /// Messages stored and not yet shipped (log sequences after the last one ClickHouse holds; all
        /// of them before the first round has asked ClickHouse).
        public var messages: Int64
        /// Seconds since the oldest message not yet shipped was stored, 0 when none waits. Messages
        /// stored before the server started count as stored at its start.
        public var seconds: Double
        /// Whether the last round failed: ClickHouse is down or refuses, and the lag grows.
        public var failing: Bool
        /// Rounds that failed since the server started.
        public var failedRounds: Int
    }

    private struct State {
        /// The last log sequence ClickHouse holds, nil before the first round answered.
        var shipped: Int64?
        /// When the log was first seen to reach each sequence, ascending; only those after `shipped`.
        var stored: [(sequence: Int64, instant: Int64)] = []
        /// The erasures the store had counted at the last round that carried them out.
        var erasures: Int?
        /// Consecutive failed rounds: nonzero during an outage.
        var failures = 0
        /// When the current outage began.
        var outageStart: Int64 = 0
        /// Rounds that failed since the start.
        var failedRounds = 0
    }

    /// The settings of the server or cluster shipped to.
    public let settings: Settings
    private let store: any Store
    private let configuration: Configuration
    private let clock: @Sendable () -> Int64
    private let logger: Logger
    private let state: Mutex<State>
    /// Whether a commit left a batch's worth waiting since the last round began.
    private let full = Atomic<Bool>(false)

    /// A shipper of a store's log to the ClickHouse of `settings`; `clock` is the current instant in
    /// milliseconds.
    public init(
        settings: Settings, store: any Store, configuration: Configuration = Configuration(),
        clock: @escaping @Sendable () -> Int64, logger: Logger
    ) throws(SessionError) {
        self.settings = settings
        self.store = store
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        let last: Int64
        do {
            last = try store.lastSequence()
        } catch {
            throw .store(error)
        }
        state = Mutex(State(stored: last > 0 ? [(last, clock())] : []))
    }

    /// Notes that the log holds the messages up to a sequence now (after a commit); starts a round at
    /// once when a batch's worth waits.
    public func stored(through sequence: Int64) {
        let waiting = state.withLock { state in
            if sequence > (state.stored.last?.sequence ?? state.shipped ?? 0) {
                state.stored.append((sequence, clock()))
            }
            // During an outage the backoff decides when to try again.
            return state.failures > 0 ? 0 : sequence - (state.shipped ?? 0)
        }
        if waiting >= configuration.batchSize { full.store(true, ordering: .relaxed) }
    }

    /// The lag now.
    public func lag() -> Lag {
        let now = clock()
        return state.withLock { state in
            let last = state.stored.last?.sequence ?? state.shipped ?? 0
            let messages = max(0, last - (state.shipped ?? 0))
            let oldest = messages > 0 ? state.stored.first?.instant : nil
            return Lag(
                messages: messages, seconds: oldest.map { Double(max(0, now - $0)) / 1000 } ?? 0,
                failing: state.failures > 0, failedRounds: state.failedRounds)
        }
    }

    /// How far shipping has got.
    public struct Progress: Sendable, Equatable {
        /// The last log sequence ClickHouse holds, nil before a round has answered.
        public var shipped: Int64?
        /// The erasures the store had counted at the last round that carried them out in ClickHouse,
        /// nil before one has.
        public var erasures: Int?

        /// Progress from its parts.
        public init(shipped: Int64?, erasures: Int?) {
            self.shipped = shipped
            self.erasures = erasures
        }

        /// Whether ClickHouse holds every message up to a log sequence and has carried out the first
        /// `erasures` erasures of the store.
        public func holds(through sequence: Int64, erasures count: Int) -> Bool {
            guard let shipped, let erasures else { return false }
            return shipped >= sequence && erasures >= count
        }
    }

    /// How far shipping has got now.
    public func progress() -> Progress {
        state.withLock { Progress(shipped: $0.shipped, erasures: $0.erasures) }
    }

    /// Waits until ClickHouse holds every message up to a log sequence and has carried out the first
    /// `erasures` erasures of the store (``Progress/holds(through:erasures:)``), looking every 50 ms. A
    /// round starts at once unless an outage is under way (its backoff decides then). Fails when they
    /// are not there after `bound`, saying how far shipping got.
    public func waitUntilShipped(
        through sequence: Int64, erasures: Int, within bound: Duration
    ) async throws(SessionError) {
        let deadline = ContinuousClock.now + bound
        var nudged = false
        while true {
            let progress = progress()
            if progress.holds(through: sequence, erasures: erasures) { return }
            let failing = state.withLock { $0.failures > 0 }
            if !nudged, !failing {
                full.store(true, ordering: .relaxed)
                nudged = true
            }
            guard ContinuousClock.now < deadline, !Task.isCancelled else {
                throw SessionError(
                    .store,
                    Self.behind(progress, sequence: sequence, erasures: erasures, bound: bound, failing: failing))
            }
            try? await Task.sleep(for: min(.milliseconds(50), deadline - ContinuousClock.now))
        }
    }

    /// Why a wait for shipping failed: what was waited for and how far shipping got.
    static func behind(
        _ progress: Progress, sequence: Int64, erasures: Int, bound: Duration, failing: Bool
    ) -> String {
        let shipped = progress.shipped.map { "through log sequence \($0)" } ?? "none known (no round has answered yet)"
        let erased = progress.erasures.map { "\($0)" } ?? "none known"
        return "ClickHouse is behind the message log after waiting \(bound): messages wanted through log sequence "
            + "\(sequence), shipped \(shipped); erasures wanted \(erasures), carried out \(erased)"
            + (failing ? " (shipping is failing: see the error logged)" : "")
    }

    /// Ships round after round until the task is cancelled.
    public func run() async {
        while !Task.isCancelled {
            let wait: Duration
            do {
                try await round()
                wait = configuration.interval
            } catch {
                wait = failed(error)
            }
            await sleep(wait)
        }
    }

    /// One round: notes the log's end, ships what ClickHouse lacks and carries out new erasures.
    func round() async throws {
        full.store(false, ordering: .relaxed)
        stored(through: try store.lastSequence())
        let (shipped, last, erasures) = state.withLock { ($0.shipped, $0.stored.last?.sequence, $0.erasures) }
        if shipped == nil || last.map({ $0 > shipped ?? 0 }) == true {
            let result = try await Shipper(settings: settings).ship(store)
            state.withLock { state in
                state.shipped = result.sequence
                state.stored.removeAll { $0.sequence <= result.sequence }
            }
            if result.shipped > 0 {
                logger.debug(
                    "shipped messages to ClickHouse",
                    metadata: ["messages": "\(result.shipped)", "through": "\(result.sequence)"])
            }
        }
        let erased = try await store.erasedCount()
        if erased != erasures {
            _ = try await Eraser(settings: settings).apply(store)
            state.withLock { $0.erasures = erased }
        }
        recovered()
    }

    /// Notes a failed round: logs the error when an outage begins; returns the backoff.
    private func failed(_ error: any Error) -> Duration {
        let now = clock()
        let failures = state.withLock { state in
            if state.failures == 0 { state.outageStart = now }
            state.failures += 1
            state.failedRounds += 1
            return state.failures
        }
        if failures == 1 {
            let message = (error as? ClickHouseError)?.message ?? "\(error)"
            logger.error(
                "cannot ship messages to ClickHouse; ingestion goes on and shipping is retried with backoff",
                metadata: ["error": "\(message)"])
        }
        let doubled = configuration.interval * (1 << min(failures, 20))
        return min(doubled, configuration.maxBackoff)
    }

    /// Notes a round that succeeded: logs the end of an outage.
    private func recovered() {
        let now = clock()
        let outage = state.withLock { state -> (rounds: Int, since: Int64)? in
            defer { state.failures = 0 }
            return state.failures > 0 ? (state.failures, state.outageStart) : nil
        }
        if let outage {
            logger.info(
                "shipping messages to ClickHouse again",
                metadata: [
                    "failed_rounds": "\(outage.rounds)", "outage_seconds": "\(Double(now - outage.since) / 1000)",
                ])
        }
    }

    /// Waits `duration`, or less when a commit leaves a batch's worth waiting (looking every 100 ms).
    private func sleep(_ duration: Duration) async {
        let deadline = ContinuousClock.now + duration
        while ContinuousClock.now < deadline, !full.load(ordering: .relaxed) {
            do {
                try await Task.sleep(for: min(.milliseconds(100), deadline - ContinuousClock.now))
            } catch {
                return
            }
        }
    }
}

extension Runtime {
    /// The ClickHouse settings of a workspace with `store: clickhouse`, nil for another store; a mistake
    /// in them names its place in strata.yaml.
    static func clickHouseSettings(of workspace: Workspace) throws(SessionError) -> Settings? {
        guard let section = workspace.config.clickhouse else { return nil }
        do {
            return try Settings(section)
        } catch {
            throw SessionError(.store, error.message)
        }
    }

    /// With `store: clickhouse`, the background shipper of the workspace's log (``ClickHouseShipping``),
    /// a round every `ship_interval_seconds` and at most twelve of them between the retries of an
    /// outage; nil for another store.
    public func clickHouseShipping(
        clock: @escaping @Sendable () -> Int64, logger: Logger
    ) throws(SessionError) -> ClickHouseShipping? {
        guard let settings = try Self.clickHouseSettings(of: workspace) else { return nil }
        let interval = Duration.seconds(settings.shipIntervalSeconds)
        return try ClickHouseShipping(
            settings: settings, store: store,
            configuration: ClickHouseShipping.Configuration(interval: interval, maxBackoff: interval * 12),
            clock: clock, logger: logger)
    }
}
