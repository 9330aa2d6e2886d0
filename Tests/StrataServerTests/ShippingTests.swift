import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import StrataClickHouse
import StrataCore
import StrataRuntime
import StrataServer
import Testing

/// The background shipper to ClickHouse while ClickHouse cannot be reached: ingestion answers, the
/// lag grows in `GET /ready` and the metrics, and the outage is logged once however often shipping is
/// retried. (Shipping to a real 2-shard cluster, a shard down and back, is scripts/clickhouse_check.py's.)
@Suite("Shipping to ClickHouse")
struct ShippingTests {
    @Test("ClickHouse down: messages stored, the lag in /ready and the metrics, one error logged")
    func lagWhileDown() async throws {
        let harness = try await Harness(backend: .memory)
        let recorder = LogRecorder()
        // Nothing listens on port 1 of loopback: every round fails at once.
        let settings = Settings(url: URL(string: "http://127.0.0.1:1")!, database: "strata_shipping_test")
        let shipping = try ClickHouseShipping(
            settings: settings, store: harness.store,
            configuration: ClickHouseShipping.Configuration(interval: .milliseconds(20), maxBackoff: .milliseconds(40)),
            clock: { [clock = harness.clock] in clock.now }, logger: recorder.logger(level: .info))
        let app = Server.application(
            runtime: Runtime(workspace: harness.workspace, store: harness.store),
            configuration: Server.Configuration(
                port: 0, maxEvaluationAge: .seconds(3600), clock: { [clock = harness.clock] in clock.now }),
            logger: recorder.logger(level: .info), shipping: shipping)
        let batch = """
            {"batch": [\(MetricsTests.ping("u1", id: "m1")), \(MetricsTests.ping("u1", id: "m2")), \
            \(MetricsTests.ping("u2", id: "m3"))]}
            """
        try await app.test(.live) { client in
            try await client.execute(
                uri: "/v1/batch", method: .post, headers: harness.basic, body: ByteBuffer(string: batch)
            ) { #expect($0.status == .ok) }
            // Stored at the server's start instant, read 7.25 s later.
            harness.clock.advance(by: 7_250)
            for _ in 0..<500 where shipping.lag().failedRounds < 5 {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(shipping.lag().failedRounds >= 5)
            try await client.execute(uri: "/ready", method: .get) { response in
                #expect(
                    response.json["clickhouse"]
                        == .object([
                            "lag_messages": .number(3), "lag_seconds": .number(7.25), "status": .string("failing"),
                        ]))
            }
            try await client.execute(
                uri: "/api/v1/metrics", method: .get, headers: harness.bearer(harness.adminKey)
            ) { response in
                let series = MetricsTests.series(response.text)
                #expect(series["strata_clickhouse_lag_messages"].flatMap(Double.init) == 3)
                #expect(series["strata_clickhouse_lag_seconds"].flatMap(Double.init) == 7.25)
                #expect(series["strata_clickhouse_shipping_failing"].flatMap(Double.init) == 1)
                #expect((series["strata_clickhouse_failed_rounds"].flatMap(Double.init) ?? 0) >= 5)
            }
            // A fourth message while down: stored, and the lag counts it.
            try await client.execute(
                uri: "/v1/batch", method: .post, headers: harness.basic,
                body: ByteBuffer(string: "{\"batch\": [\(MetricsTests.ping("u3", id: "m4"))]}")
            ) { #expect($0.status == .ok) }
            #expect(shipping.lag().messages == 4)
            #expect(shipping.lag().seconds == 7.25)
        }
        let errors = recorder.records.filter { $0.message.hasPrefix("cannot ship messages to ClickHouse") }
        #expect(errors.count == 1)
        #expect(
            errors.first?.metadata["error"]?.hasPrefix("ClickHouse at http://127.0.0.1:1 cannot be reached") == true)
    }
}
