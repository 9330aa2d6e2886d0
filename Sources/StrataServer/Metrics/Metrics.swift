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
    }

    private struct State {
        var stored = 0
        var duplicates = 0
        var quarantined: [String: Int] = [:]
        var requests: [String: Int] = [:]
        var latency: [String: Latency] = [:]
        var segmentSizes: [String: Int] = [:]
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
            var latency = state.latency[key] ?? Latency()
            latency.count += 1
            latency.sum += seconds
            for (index, bound) in Self.latencyBuckets.enumerated() where seconds <= bound {
                latency.buckets[index] += 1
            }
            state.latency[key] = latency
        }
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
            for (index, bound) in Self.latencyBuckets.enumerated() {
                lines.append(
                    "strata_http_request_duration_seconds_bucket{\(labels),le=\"\(bound)\"} \(latency.buckets[index])")
            }
            lines.append("strata_http_request_duration_seconds_bucket{\(labels),le=\"+Inf\"} \(latency.count)")
            lines.append("strata_http_request_duration_seconds_sum{\(labels)} \(latency.sum)")
            lines.append("strata_http_request_duration_seconds_count{\(labels)} \(latency.count)")
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
