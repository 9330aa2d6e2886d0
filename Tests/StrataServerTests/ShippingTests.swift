import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import StrataClickHouse
import StrataCore
import StrataRuntime
import StrataServer
import StrataStore
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
        let shipping = try Self.unreachable(harness, logger: recorder.logger(level: .info))
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

    /// A shipper to port 1 of loopback, where nothing listens (every round fails at once), a round
    /// every 20 ms, at most 40 ms apart.
    static func unreachable(_ harness: Harness, logger: Logger) throws -> ClickHouseShipping {
        let settings = Settings(url: try #require(URL(string: "http://127.0.0.1:1")), database: "strata_shipping_test")
        return try ClickHouseShipping(
            settings: settings, store: harness.store,
            configuration: ClickHouseShipping.Configuration(interval: .milliseconds(20), maxBackoff: .milliseconds(40)),
            clock: { [clock = harness.clock] in clock.now }, logger: logger)
    }

    @Test(
        "progress holds a sequence and erasures when ClickHouse holds both",
        arguments: [
            // Before a round has answered, not even an empty log is held.
            (nil, nil, 0, 0, false),
            (0, 0, 0, 0, true),
            (120, 0, 300, 0, false),
            (300, 0, 300, 0, true),
            (301, 2, 300, 2, true),
            // Every message shipped, one erasure of two not carried out yet.
            (300, 1, 300, 2, false),
            (300, nil, 300, 0, false),
        ] as [(Int64?, Int?, Int64, Int, Bool)])
    func progressHolds(shipped: Int64?, erasures: Int?, sequence: Int64, erased: Int, expected: Bool) {
        let progress = ClickHouseShipping.Progress(shipped: shipped, erasures: erasures)
        #expect(progress.holds(through: sequence, erasures: erased) == expected)
    }

    @Test("a wait for the shipping fails after its bound, saying how far it got, while ClickHouse is down")
    func waitBound() async throws {
        let harness = try await Harness(backend: .memory)
        let shipping = try Self.unreachable(harness, logger: LogRecorder().logger(level: .info))
        // Before any round: nothing known.
        let started = ContinuousClock.now
        let error = await #expect(throws: SessionError.self) {
            try await shipping.waitUntilShipped(through: 3, erasures: 0, within: .milliseconds(200))
        }
        #expect(ContinuousClock.now - started >= .milliseconds(200))
        #expect(
            error?.message
                == "ClickHouse is behind the message log after waiting 0.2 seconds: messages wanted through log "
                + "sequence 3, shipped none known (no round has answered yet); erasures wanted 0, carried out "
                + "none known")
        // While rounds fail, the wait says so.
        let rounds = Task { await shipping.run() }
        defer { rounds.cancel() }
        for _ in 0..<500 where !shipping.lag().failing { try await Task.sleep(for: .milliseconds(10)) }
        let failing = await #expect(throws: SessionError.self) {
            try await shipping.waitUntilShipped(through: 3, erasures: 0, within: .milliseconds(100))
        }
        #expect(failing?.message.hasSuffix("(shipping is failing: see the error logged)") == true)
    }

    @Test("cadence segments are recomputed on ClickHouse: while it is down each recomputation fails, none recorded")
    func cadenceWhileDown() async throws {
        let harness = try await LiveTests.harness(
            everPinged: "refresh: 15m\nwhere: did(\"Ping\")\n", backend: .memory)
        let recorder = LogRecorder()
        let shipping = try Self.unreachable(harness, logger: recorder.logger(level: .info))
        let app = Server.application(
            runtime: Runtime(workspace: harness.workspace, store: harness.store),
            configuration: Server.Configuration(
                port: 0, maxEvaluationAge: .seconds(3600), clock: { [clock = harness.clock] in clock.now },
                cadenceShippingWait: .milliseconds(200)),
            logger: recorder.logger(level: .info), shipping: shipping)
        try await app.test(.live) { client in
            // The start (of an empty log) asks ClickHouse at once, and fails.
            let start = try await Self.failedRecomputations(recorder, count: 1)
            #expect(start.count == 1)
            #expect(Self.behind(start.first, wanting: 0))
            try await LiveTests().pingAnn(client, harness)
            // Due: the embedded engine would record ann's enter (LiveTests.cadence); ClickHouse cannot answer.
            harness.clock.advance(by: 15 * 60_000)
            let failed = try await Self.failedRecomputations(recorder, count: 2)
            #expect(failed.count == 2)
            #expect(failed.last?.metadata["segments"] == "ever-pinged")
            #expect(Self.behind(failed.last, wanting: 1))
            #expect(LiveTests().summary(try await LiveTests().changes(client, harness, "ever-pinged/changes")) == [])
            // Tried again a minute later, failing again: still nothing recorded.
            harness.clock.advance(by: 60_000)
            #expect(try await Self.failedRecomputations(recorder, count: 3).count == 3)
            #expect(LiveTests().summary(try await LiveTests().changes(client, harness, "ever-pinged/changes")) == [])
        }
    }

    @Test("a start without a snapshot recomputes the cadence segments on ClickHouse at once: while it is down, none")
    func cadenceAtStartWhileDown() async throws {
        let harness = try await LiveTests.harness(
            everPinged: "refresh: 15m\nwhere: did(\"Ping\")\n", backend: .memory)
        // Ann's ping stored before the server starts: the start evaluates it.
        _ = try await harness.store.append(
            [Message(kind: .track, messageId: "p0", userId: "ann", event: "Ping", receivedAt: Harness.now)],
            quarantine: [])
        let recorder = LogRecorder()
        let app = try Self.cadenceApp(harness, recorder)
        try await app.test(.live) { client in
            // The real-time segment holds her from the start's own evaluation.
            #expect(try await LiveTests().members(client, harness, "pinged") == .array([.string("ann")]))
            // The cadence one is asked of ClickHouse at once, before its cadence is due: it cannot answer,
            // so nothing is recorded (the embedded engine would have recorded ann).
            let first = try await Self.failedRecomputations(recorder, count: 1)
            #expect(first.count == 1)
            #expect(first.first?.metadata["segments"] == "ever-pinged")
            #expect(Self.behind(first.first, wanting: 1))
            #expect(try await LiveTests().members(client, harness, "ever-pinged") == .array([]))
            #expect(LiveTests().summary(try await LiveTests().changes(client, harness, "ever-pinged/changes")) == [])
            // Tried again a minute later, not 15 minutes later.
            harness.clock.advance(by: 60_000)
            #expect(try await Self.failedRecomputations(recorder, count: 2).count == 2)
            #expect(try await LiveTests().members(client, harness, "ever-pinged") == .array([]))
        }
        // A start resumed from the snapshot the stop wrote asks ClickHouse at once too (a definition
        // change's recomputation may not have answered before a stop), with no time passing.
        let restarted = try Self.cadenceApp(harness, recorder)
        try await restarted.test(.live) { client in
            let resumed = try await LiveTests().resumedFrom(client, harness)
            #expect(resumed == "1.0")
            #expect(try await Self.failedRecomputations(recorder, count: 3).count == 3)
            #expect(try await LiveTests().members(client, harness, "ever-pinged") == .array([]))
        }
    }

    @Test("a definition change recomputes the cadence segments on ClickHouse at once: while it is down, none")
    func cadenceAtDefinitionChangeWhileDown() async throws {
        let harness = try await LiveTests.harness(everPinged: "where: did(\"Ping\")\n", backend: .memory)
        let recorder = LogRecorder()
        let app = try Self.cadenceApp(harness, recorder)
        try await app.test(.live) { client in
            try await LiveTests().pingAnn(client, harness)
            #expect(try await LiveTests().members(client, harness, "ever-pinged") == .array([.string("ann")]))
            // Now a cadence segment that ann is not in: the embedded engine would record her exit at once.
            try await client.execute(
                uri: "/api/v1/segments/ever-pinged", method: .put, headers: harness.bearer(harness.adminKey),
                body: ByteBuffer(string: "refresh: 15m\nwhere: did(\"Ping\") and did(\"Pong\")\n")
            ) { #expect($0.status == .ok) }
            let first = try await Self.failedRecomputations(recorder, count: 1)
            #expect(first.count == 1)
            #expect(first.first?.metadata["segments"] == "ever-pinged")
            // Her recorded membership stays until ClickHouse answers.
            #expect(try await LiveTests().members(client, harness, "ever-pinged") == .array([.string("ann")]))
            #expect(
                LiveTests().summary(try await LiveTests().changes(client, harness, "ever-pinged/changes"))
                    == ["ann enter 2026-07-01T00:00:00.000Z message p1"])
        }
    }

    /// Whether a failed recomputation was logged as ClickHouse behind the log after the 0.2 s wait for
    /// the shipping, wanting the messages through a sequence, none known to be shipped.
    static func behind(_ record: LogRecorder.Record?, wanting sequence: Int) -> Bool {
        record?.metadata["error"]?.hasPrefix(
            "ClickHouse is behind the message log after waiting 0.2 seconds: messages wanted through log "
                + "sequence \(sequence), shipped none known") == true
    }

    /// A server whose ClickHouse cannot be reached, waiting 0.2 s for the shipping before each cadence
    /// recomputation, logging into `recorder`.
    static func cadenceApp(_ harness: Harness, _ recorder: LogRecorder) throws -> some ApplicationProtocol {
        Server.application(
            runtime: Runtime(workspace: harness.workspace, store: harness.store),
            configuration: Server.Configuration(
                port: 0, maxEvaluationAge: .seconds(3600), clock: { [clock = harness.clock] in clock.now },
                cadenceShippingWait: .milliseconds(200)),
            logger: recorder.logger(level: .info),
            shipping: try Self.unreachable(harness, logger: recorder.logger(level: .info)))
    }

    /// The failed cadence recomputations logged, once there are `count` (asked up to 200 times, 50 ms
    /// apart).
    static func failedRecomputations(_ recorder: LogRecorder, count: Int) async throws -> [LogRecorder.Record] {
        var found: [LogRecorder.Record] = []
        for _ in 0..<200 {
            found = recorder.records.filter { $0.message == "real-time memberships: cannot recompute cadence segments" }
            if found.count >= count { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        return found
    }
}
