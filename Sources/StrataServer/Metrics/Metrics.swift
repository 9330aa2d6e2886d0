import Foundation
import StrataCore
import Synchronization

/// The server's counters, rendered in Prometheus' text format at `GET /api/v1/metrics`.
final class Metrics: Sendable {
    /// Upper bounds of the request latency buckets, in seconds.
    static let latencyBuckets: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    private struct Latency {
        var buckets = [Int](repeating: 0, count: Metrics.latencyBuckets.count)
        var count = 0
        var sum = 0.0

        mutating func add(_ seconds: Double) {
            count += 1
            sum += seconds
            for (index, bound) in Metrics.latencyBuckets.enumerated() where seconds <= bound { buckets[index] += 1 }
        }

        /// The bucket, +Inf, sum and count lines of one labelled series.
        func lines(_ name: String, labels: String) -> [String] {
            let prefix = labels.isEmpty ? "" : labels + ","
            var lines = Metrics.latencyBuckets.enumerated().map { index, bound in
                "\(name)_bucket{\(prefix)le=\"\(bound)\"} \(buckets[index])"
            }
            let suffix = labels.isEmpty ? "" : "{\(labels)}"
            lines.append("\(name)_bucket{\(prefix)le=\"+Inf\"} \(count)")
            lines.append("\(name)_sum\(suffix) \(sum)")
            lines.append("\(name)_count\(suffix) \(count)")
            return lines
        }
    }

    private struct State {
        var stored = 0
        var duplicates = 0
        var quarantined: [String: Int] = [:]
        var requests: [String: Int] = [:]
        var latency: [String: Latency] = [:]
        var segmentSizes: [String: Int] = [:]
        var live: [LiveHistogram: Latency] = [:]
        var changes: [String: Int] = [:]
        var liveStartSeconds: Double?
        var liveStartSnapshot: Int64 = 0
        var snapshots: [String: Int] = [:]
        var lastSnapshot: (sequence: Int64, seconds: Double)?
    }

    /// The real-time membership histograms, in seconds.
    enum LiveHistogram: String, CaseIterable {
        /// The evaluation a message causes: reading its profile's messages, evaluating, scheduling.
        case evaluation = "strata_live_evaluation_seconds"
        /// From a message's receipt to its membership changes being recorded.
        case messageDelay = "strata_live_message_delay_seconds"
        /// From the instant a time-driven change was due to its being recorded.
        case flipLateness = "strata_live_flip_lateness_seconds"

        var help: String {
            switch self {
            case .evaluation: "Real-time evaluation time per message."
            case .messageDelay: "Time from a message's receipt to its membership changes being recorded."
            case .flipLateness: "Time from the instant a time-driven membership change was due to its recording."
            }
        }
    }

    private let state = Mutex(State())

    /// Counts one request's messages.
    func recordIngest(stored: Int, duplicates: Int, refused: [MessageError]) {
        state.withLock { state in
            state.stored += stored
            state.duplicates += duplicates
            for error in refused { state.quarantined[error.reason.rawValue, default: 0] += 1 }
        }
    }

    /// Counts one request and its latency under its route and status.
    func recordRequest(method: String, route: String, status: Int, seconds: Double) {
        let key = "method=\"\(method)\",route=\"\(Self.escape(route))\""
        state.withLock { state in
            state.requests[key + ",status=\"\(status)\"", default: 0] += 1
            state.latency[key, default: Latency()].add(seconds)
        }
    }

    /// Adds observations to a real-time histogram.
    func record(_ histogram: LiveHistogram, seconds: [Double]) {
        guard !seconds.isEmpty else { return }
        state.withLock { state in
            for value in seconds { state.live[histogram, default: Latency()].add(value) }
        }
    }

    /// Counts recorded membership changes by cause.
    func recordChanges(_ changes: [MembershipChange]) {
        state.withLock { state in
            for change in changes { state.changes[change.cause.name, default: 0] += 1 }
        }
    }

    /// Notes how long the real-time engine took to start from the store, and the last message of the
    /// snapshot it resumed from (0 when it evaluated every stored message instead).
    func recordLiveStart(seconds: Double, snapshot: Int64) {
        state.withLock {
            $0.liveStartSeconds = seconds
            $0.liveStartSnapshot = snapshot
        }
    }

    /// Notes a snapshot of the real-time engine written: the last message it holds, and how long
    /// encoding and writing it took.
    func recordSnapshotWritten(sequence: Int64, seconds: Double) {
        state.withLock {
            $0.snapshots["written", default: 0] += 1
            $0.lastSnapshot = (sequence, seconds)
        }
    }

    /// Notes a snapshot of the real-time engine that could not be written.
    func recordSnapshotFailed() {
        state.withLock { $0.snapshots["failed", default: 0] += 1 }
    }

    /// Replaces the segment sizes with those of the latest evaluation.
    func recordSegmentSizes(_ sizes: [String: Int]) {
        state.withLock { $0.segmentSizes = sizes }
    }

    /// Everything in Prometheus' text exposition format.
    func render() -> String {
        let state = state.withLock { $0 }
        var lines: [String] = []
        func family(_ name: String, _ type: String, _ help: String) {
            lines.append("# HELP \(name) \(help)")
            lines.append("# TYPE \(name) \(type)")
        }
        family("strata_messages_ingested_total", "counter", "Messages stored by the ingestion routes.")
        lines.append("strata_messages_ingested_total \(state.stored)")
        family("strata_messages_duplicate_total", "counter", "Messages not stored again: their id was already stored.")
        lines.append("strata_messages_duplicate_total \(state.duplicates)")
        family("strata_messages_quarantined_total", "counter", "Messages refused and quarantined, by reason.")
        for (reason, count) in state.quarantined.sorted(by: { $0.key < $1.key }) {
            lines.append("strata_messages_quarantined_total{reason=\"\(reason)\"} \(count)")
        }
        family("strata_http_requests_total", "counter", "HTTP requests by method, route and status.")
        for (labels, count) in state.requests.sorted(by: { $0.key < $1.key }) {
            lines.append("strata_http_requests_total{\(labels)} \(count)")
        }
        family("strata_http_request_duration_seconds", "histogram", "HTTP request latency by method and route.")
        for (labels, latency) in state.latency.sorted(by: { $0.key < $1.key }) {
            lines += latency.lines("strata_http_request_duration_seconds", labels: labels)
        }
        for histogram in LiveHistogram.allCases {
            family(histogram.rawValue, "histogram", histogram.help)
            lines += (state.live[histogram] ?? Latency()).lines(histogram.rawValue, labels: "")
        }
        family("strata_membership_changes_total", "counter", "Membership changes recorded, by cause.")
        for (cause, count) in state.changes.sorted(by: { $0.key < $1.key }) {
            lines.append("strata_membership_changes_total{cause=\"\(cause)\"} \(count)")
        }
        if let seconds = state.liveStartSeconds {
            family("strata_live_start_seconds", "gauge", "Seconds the real-time engine took to start from the store.")
            lines.append("strata_live_start_seconds \(seconds)")
            family(
                "strata_live_start_snapshot_sequence", "gauge",
                "The last message of the snapshot the real-time engine resumed from at start (0: none).")
            lines.append("strata_live_start_snapshot_sequence \(state.liveStartSnapshot)")
        }
        family(
            "strata_live_snapshots_total", "counter",
            "Snapshots of the real-time engine written in the background, by outcome (written, failed).")
        for (outcome, count) in state.snapshots.sorted(by: { $0.key < $1.key }) {
            lines.append("strata_live_snapshots_total{outcome=\"\(outcome)\"} \(count)")
        }
        if let (sequence, seconds) = state.lastSnapshot {
            family(
                "strata_live_snapshot_sequence", "gauge",
                "The last message of the latest snapshot written: a restart takes the messages after it again.")
            lines.append("strata_live_snapshot_sequence \(sequence)")
            family(
                "strata_live_snapshot_write_seconds", "gauge", "Seconds the latest snapshot took to encode and write.")
            lines.append("strata_live_snapshot_write_seconds \(seconds)")
        }
        family("strata_segment_size", "gauge", "Members of each segment at its latest evaluation.")
        for (segment, size) in state.segmentSizes.sorted(by: { $0.key < $1.key }) {
            lines.append("strata_segment_size{segment=\"\(Self.escape(segment))\"} \(size)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func escape(_ label: String) -> String {
        label.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }
}
