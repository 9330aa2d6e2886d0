import CoreMetrics
import Prometheus
import StrataCore
import StrataRuntime
import Synchronization

/// The server's metrics, kept with swift-metrics in a Prometheus registry of their own and rendered in
/// Prometheus' text format at `GET /api/v1/metrics`.
///
/// Every metric is made through an explicit factory over this instance's registry, never through the
/// global `MetricsSystem`: each application (the tests build many in one process) counts on its own.
/// A labelled series is made on its first use; making it again finds the one in the registry.
final class Metrics: Sendable {
    /// Upper bounds of the buckets of every histogram, in seconds.
    static let latencyBuckets: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    /// The real-time membership histograms, in seconds.
    enum LiveHistogram: String, CaseIterable {
        /// The evaluation a message causes: reading its profile's messages, evaluating, scheduling.
        case evaluation = "strata_live_evaluation_seconds"
        /// From a message's receipt to its membership changes being recorded.
        case messageDelay = "strata_live_message_delay_seconds"
        /// From the instant a time-driven change was due to its being recorded.
        case flipLateness = "strata_live_flip_lateness_seconds"
    }

    /// A limit of the server, for `strata_limited_total`: what it refused or left out.
    enum Limit: String {
        /// An ingestion request refused while the real-time engine was too far behind.
        case lag
        /// An ingestion request refused for holding too many messages.
        case messagesPerRequest = "messages_per_request"
        /// A refused message not quarantined: its request had quarantined as many as one may.
        case quarantinePerRequest = "quarantine_per_request"
        /// A refused message not quarantined: its key had quarantined as many as one may this minute.
        case quarantinePerKey = "quarantine_per_key"
        /// A connection closed for the bound on open connections: one that waited for a request or was
        /// slow in a body, replaced by a new one, or a new one when none could give its place.
        case connections
        /// A connection closed for waiting too long for a request.
        case idleTimeout = "idle_timeout"
        /// A connection closed for a request head that took too long.
        case headerTimeout = "header_timeout"
        /// A connection closed for a request body that took too long.
        case bodyTimeout = "body_timeout"
    }

    /// The request latency histogram, by method and route.
    private static let requestDuration = "strata_http_request_duration_seconds"

    /// Holds every series below; ``render()`` prints it.
    private let registry: PrometheusCollectorRegistry
    /// Makes swift-metrics' counters, timers, recorders and gauges over ``registry``.
    private let factory: PrometheusMetricsFactory
    /// `strata_messages_ingested_total`: messages stored by the ingestion routes.
    private let ingested: CoreMetrics.Counter
    /// `strata_messages_duplicate_total`: messages not stored again, their id being stored already.
    private let duplicates: CoreMetrics.Counter
    /// The messages stored by the ingestion routes, as ``ingested`` counts them, for the log at a stop.
    private let stored = Atomic<Int>(0)
    /// The histogram of ``LiveHistogram/evaluation``.
    private let evaluation: CoreMetrics.Recorder
    /// The histogram of ``LiveHistogram/messageDelay``.
    private let messageDelay: CoreMetrics.Recorder
    /// The histogram of ``LiveHistogram/flipLateness``.
    private let flipLateness: CoreMetrics.Recorder
    /// The `strata_segment_size` gauge of each segment of the latest evaluation, kept to remove those
    /// of the segments that are gone.
    private let segmentSizes = Mutex<[String: CoreMetrics.Gauge]>([:])

    /// Empty metrics: the counters at 0, the histograms without observations.
    init() {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // swift-metrics has no notion of buckets; the Prometheus factory takes them by metric name, for
        // the histograms it makes of a Timer (durations) and of an aggregating Recorder (values).
        factory.durationHistogramBuckets = [
            Self.requestDuration: Self.latencyBuckets.map { Duration.nanoseconds(Int64(($0 * 1e9).rounded())) }
        ]
        factory.valueHistogramBuckets = Dictionary(
            uniqueKeysWithValues: LiveHistogram.allCases.map { ($0.rawValue, Self.latencyBuckets) })
        self.registry = registry
        self.factory = factory
        ingested = CoreMetrics.Counter(label: "strata_messages_ingested_total", factory: factory)
        duplicates = CoreMetrics.Counter(label: "strata_messages_duplicate_total", factory: factory)
        // The real-time values come as seconds, the delay and the lateness as differences of the server's
        // millisecond instants, which come out negative when its clock is set back. An aggregating
        // Recorder keeps them as numbers; a Timer would keep Durations, and the exporter cannot print a
        // negative Duration sum (it traps).
        evaluation = CoreMetrics.Recorder(label: LiveHistogram.evaluation.rawValue, factory: factory)
        messageDelay = CoreMetrics.Recorder(label: LiveHistogram.messageDelay.rawValue, factory: factory)
        flipLateness = CoreMetrics.Recorder(label: LiveHistogram.flipLateness.rawValue, factory: factory)
    }

    /// Counts one request's messages.
    func recordIngest(stored: Int, duplicates: Int, refused: [MessageError]) {
        ingested.increment(by: stored)
        self.stored.add(stored, ordering: .relaxed)
        self.duplicates.increment(by: duplicates)
        for error in refused {
            counter("strata_messages_quarantined_total", [("reason", error.reason.rawValue)]).increment()
        }
    }

    /// The messages stored by the ingestion routes since these metrics were made.
    var messagesStored: Int { stored.load(ordering: .relaxed) }

    /// Counts one request and its latency under its route and status.
    func recordRequest(method: String, route: String, status: Int, seconds: Double) {
        let labels = [("method", method), ("route", route)]
        counter("strata_http_requests_total", labels + [("status", String(status))]).increment()
        CoreMetrics.Timer(label: Self.requestDuration, dimensions: labels, factory: factory).recordSeconds(seconds)
    }

    /// Adds observations to a real-time histogram.
    func record(_ histogram: LiveHistogram, seconds: [Double]) {
        let recorder =
            switch histogram {
            case .evaluation: evaluation
            case .messageDelay: messageDelay
            case .flipLateness: flipLateness
            }
        for value in seconds { recorder.record(value) }
    }

    /// Counts what a limit refused or left out (nothing when `count` is 0).
    func recordLimited(_ limit: Limit, count: Int = 1) {
        guard count > 0 else { return }
        counter("strata_limited_total", [("limit", limit.rawValue)]).increment(by: count)
    }

    /// Sets the real-time engine's lag: the messages stored and not yet taken.
    func recordLag(messages: Int64) {
        gauge("strata_live_lag_messages").record(messages)
    }

    /// Sets the lag of the background shipper to ClickHouse: the messages not yet shipped, the seconds
    /// the oldest of them has waited, whether shipping fails, and the rounds that failed.
    func recordShippingLag(_ lag: ClickHouseShipping.Lag) {
        gauge("strata_clickhouse_lag_messages").record(lag.messages)
        gauge("strata_clickhouse_lag_seconds").record(lag.seconds)
        gauge("strata_clickhouse_shipping_failing").record(lag.failing ? 1 : 0)
        gauge("strata_clickhouse_failed_rounds").record(lag.failedRounds)
    }

    /// Sets how many messages the real-time engine holds in memory, packed (up to `--held-messages`).
    func recordHeld(messages: Int) {
        gauge("strata_live_held_messages").record(messages)
    }

    /// Sets the bytes SQLite holds in the process (its page caches, each filling up to its bound).
    func recordSQLiteMemory(bytes: Int64) {
        gauge("strata_sqlite_memory_bytes").record(bytes)
    }

    /// Counts recorded membership changes by cause.
    func recordChanges(_ changes: [MembershipChange]) {
        for change in changes {
            counter("strata_membership_changes_total", [("cause", change.cause.name)]).increment()
        }
    }

    /// Notes how long the real-time engine took to start from the store, and the last message of the
    /// snapshot it resumed from (0 when it evaluated every stored message instead).
    func recordLiveStart(seconds: Double, snapshot: Int64) {
        gauge("strata_live_start_seconds").record(seconds)
        gauge("strata_live_start_snapshot_sequence").record(snapshot)
    }

    /// Notes an evaluation of every segment over the whole store: made by the management API and the
    /// dashboard (`api`) when they found none current, or handed to them by a definition change of the
    /// live engine (`live`), which evaluated the store anyway.
    func recordEvaluation(by source: String) {
        counter("strata_evaluations_total", [("source", source)]).increment()
    }

    /// Notes a snapshot of the real-time engine written: the last message it holds, and how long
    /// encoding and writing it took.
    func recordSnapshotWritten(sequence: Int64, seconds: Double) {
        counter("strata_live_snapshots_total", [("outcome", "written")]).increment()
        gauge("strata_live_snapshot_sequence").record(sequence)
        gauge("strata_live_snapshot_write_seconds").record(seconds)
    }

    /// Notes a snapshot of the real-time engine that could not be written.
    func recordSnapshotFailed() {
        counter("strata_live_snapshots_total", [("outcome", "failed")]).increment()
    }

    /// Replaces the segment sizes with those of the latest evaluation: the series of a segment that is
    /// not among them (deleted, or failing to evaluate) leaves the registry.
    func recordSegmentSizes(_ sizes: [String: Int]) {
        segmentSizes.withLock { gauges in
            for (segment, gauge) in gauges where sizes[segment] == nil { gauge.destroy() }
            var kept: [String: CoreMetrics.Gauge] = [:]
            for (segment, size) in sizes {
                let gauge = gauges[segment] ?? self.gauge("strata_segment_size", [("segment", segment)])
                gauge.record(size)
                kept[segment] = gauge
            }
            gauges = kept
        }
    }

    /// Everything in Prometheus' text exposition format.
    func render() -> String {
        registry.emitToString()
    }

    /// The counter of a series, made in the registry on its first use.
    private func counter(_ name: String, _ labels: [(String, String)]) -> CoreMetrics.Counter {
        CoreMetrics.Counter(label: name, dimensions: labels, factory: factory)
    }

    /// The gauge of a series, made in the registry on its first use.
    private func gauge(_ name: String, _ labels: [(String, String)] = []) -> CoreMetrics.Gauge {
        CoreMetrics.Gauge(label: name, dimensions: labels, factory: factory)
    }
}
