import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import StrataCore
import StrataServer
import StrataStore
import Testing

/// Real-time memberships in the live server, on a clock the tests move: a message moves a segment
/// before the next read, time moves it at the exact instant, every change is recorded with its cause,
/// listed, streamed, and a restart reports nothing twice.
@Suite("Real-time memberships")
struct LiveTests {
    static let pinged = "title: Pinged\nwhere: did(\"Ping\", last 5s)\n"

    /// A track of "Ping" by a user, at the server's current instant.
    static func ping(_ user: String, id: String, at instant: Int64) -> ByteBuffer {
        ByteBuffer(
            string: """
                {"userId": "\(user)", "event": "Ping", "messageId": "\(id)", "timestamp": "\(Instant.format(instant))"}
                """)
    }

    /// A server with `pinged` and an `ever-pinged` segment defined by `everPinged`.
    static func harness(everPinged: String, backend: Backend = .sqlite) async throws -> Harness {
        let harness = try await Harness(backend: backend)
        try harness.write(pinged, to: "segments/pinged.yaml")
        try harness.write(everPinged, to: "segments/ever-pinged.yaml")
        return harness
    }

    func members(_ client: some TestClientProtocol, _ harness: Harness, _ segment: String) async throws -> JSONValue? {
        try await client.execute(
            uri: "/api/v1/segments/\(segment)/members", method: .get, headers: harness.bearer(harness.adminKey)
        ) { $0.json["members"] }
    }

    func changes(_ client: some TestClientProtocol, _ harness: Harness, _ query: String) async throws -> JSONValue {
        try await client.execute(
            uri: "/api/v1/segments/\(query)", method: .get, headers: harness.bearer(harness.adminKey)
        ) { response in
            #expect(response.status == .ok, "\(query): \(response.text)")
            return response.json
        }
    }

    /// Posts ann's "Ping" (message p1) at the start instant and checks she is in `pinged` at once.
    func pingAnn(_ client: some TestClientProtocol, _ harness: Harness) async throws {
        try await client.execute(
            uri: "/v1/track", method: .post, headers: harness.basic, body: Self.ping("ann", id: "p1", at: Harness.now)
        ) { #expect($0.status == .ok) }
        #expect(try await members(client, harness, "pinged") == .array([.string("ann")]))
    }

    /// The summary of a segment's changes once there are some (those recorded after a step in the
    /// background), asked up to 200 times, 50 ms apart.
    func eventualChanges(
        _ client: some TestClientProtocol, _ harness: Harness, _ segment: String
    ) async throws -> [String] {
        var log: [String] = []
        for _ in 0..<200 {
            log = summary(try await changes(client, harness, "\(segment)/changes"))
            if !log.isEmpty { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        return log
    }

    /// The (direction, instant, cause, message id) of each change in an answer.
    func summary(_ answer: JSONValue) -> [String] {
        (answer["changes"]?.arrayValue ?? []).map { change in
            let parts = ["profile", "direction", "instant", "cause", "message_id"].map { key -> String in
                if case .string(let text)? = change[key] { return text }
                return "-"
            }
            return parts.joined(separator: " ")
        }
    }

    @Test(
        "at debug level each step is logged with its messages, changes and times; at info level it is not",
        arguments: Backend.allCases)
    func stepLog(_ backend: Backend) async throws {
        let step = "real-time memberships: step"
        for level in [Logger.Level.debug, .info] {
            let harness = try await Harness(backend: backend)
            try harness.write(Self.pinged, to: "segments/pinged.yaml")
            let recorder = LogRecorder()
            try await harness.run(logger: recorder.logger(level: level)) { client in
                try await pingAnn(client, harness)
            }
            let steps = recorder.records.filter { $0.message == step }
            let ends = recorder.records.filter { $0.message == "real-time memberships: step end" }
            guard level == .debug else {
                #expect(steps.isEmpty)
                #expect(ends.isEmpty)
                continue
            }
            // Every step ends with what time moved (nothing here: the clock stands still) and the rest.
            #expect(!ends.isEmpty)
            for end in ends {
                #expect(end.metadata["at"] == "2026-07-01T00:00:00.000Z")
                #expect(end.metadata["time_changes"] == "0")
                #expect(end.metadata["time_evaluated"] == "0")
                #expect(["true", "false"].contains(end.metadata["snapshot"]))
                for key in ["time_evaluation_ms", "time_record_ms", "rest_ms"] {
                    let value = end.metadata[key] ?? ""
                    #expect(value.wholeMatch(of: /[0-9]+\.[0-9]/) != nil, "\(key): \(value)")
                }
            }
            // One message, one enter, received and recorded on the stopped clock; Ann's only message
            // is the one evaluated.
            #expect(steps.count == 1)
            let fields = steps.first?.metadata ?? [:]
            #expect(fields["messages"] == "1")
            #expect(fields["changes"] == "1")
            #expect(fields["evaluated"] == "1")
            #expect(fields["at"] == "2026-07-01T00:00:00.000Z")
            #expect(fields["oldest_ms"] == "0")
            for key in ["hold_ms", "read_ms", "evaluation_ms", "record_ms"] {
                let value = fields[key] ?? ""
                #expect(value.wholeMatch(of: /[0-9]+\.[0-9]/) != nil, "\(key): \(value)")
            }
        }
    }

    /// `hot` holds three messages, the threshold, from its third ping: its evaluations run apart, the
    /// next at least 250 ms after the last started. The clock stands still, so its fourth ping waits,
    /// while ann's ping enters at once. Once the clock has moved 250 ms, the fourth ping is evaluated,
    /// at that instant, and `hot` enters `busy` by it.
    @Test("a heavy profile's messages wait for its evaluation apart while the others' enter at once")
    func heavyProfile() async throws {
        let harness = try await Harness()
        try harness.write(Self.pinged, to: "segments/pinged.yaml")
        try harness.write("where: count(\"Ping\") >= 3\n", to: "segments/thrice.yaml")
        try harness.write("where: count(\"Ping\") >= 4\n", to: "segments/busy.yaml")
        try await harness.run(heavyMessages: 3) { client in
            func ping(_ id: String) async throws {
                try await client.execute(
                    uri: "/v1/track", method: .post, headers: harness.basic,
                    body: Self.ping("hot", id: id, at: Harness.now)
                ) { #expect($0.status == .ok) }
            }
            // h1 is taken alone, so that it is the cause of hot's entry into `pinged` (three pings taken
            // in one step would be evaluated apart together, and the last would be).
            try await ping("h1")
            #expect(
                try await eventualChanges(client, harness, "pinged") == [
                    "hot enter 2026-07-01T00:00:00.000Z message h1"
                ])
            for id in ["h2", "h3"] { try await ping(id) }
            // The first evaluation apart starts at once.
            #expect(
                try await eventualChanges(client, harness, "thrice") == [
                    "hot enter 2026-07-01T00:00:00.000Z message h3"
                ])
            try await ping("h4")
            try await client.execute(
                uri: "/v1/track", method: .post, headers: harness.basic,
                body: Self.ping("ann", id: "p1", at: Harness.now)
            ) { #expect($0.status == .ok) }
            #expect(try await members(client, harness, "pinged") == .array([.string("ann"), .string("hot")]))
            #expect(try await members(client, harness, "busy") == .array([]))
            harness.clock.advance(by: 250)
            #expect(
                try await eventualChanges(client, harness, "busy") == ["hot enter 2026-07-01T00:00:00.250Z message h4"])
            #expect(try await members(client, harness, "busy") == .array([.string("hot")]))
            #expect(
                summary(try await changes(client, harness, "pinged/changes")) == [
                    "hot enter 2026-07-01T00:00:00.000Z message h1",
                    "ann enter 2026-07-01T00:00:00.000Z message p1",
                ])
        }
    }

    @Test(
        "a message enters at once, time exits at the exact instant, and both are recorded with their cause",
        arguments: Backend.allCases)
    func messageAndTime(_ backend: Backend) async throws {
        let harness = try await Harness(backend: backend)
        try harness.write(Self.pinged, to: "segments/pinged.yaml")
        try await harness.run { client in
            #expect(try await members(client, harness, "pinged") == .array([]))
            try await pingAnn(client, harness)
            harness.clock.advance(by: 4_999)
            #expect(try await members(client, harness, "pinged") == .array([.string("ann")]))
            harness.clock.advance(by: 2_000)
            #expect(try await members(client, harness, "pinged") == .array([]))
            let all = try await changes(client, harness, "pinged/changes")
            #expect(
                summary(all) == [
                    "ann enter 2026-07-01T00:00:00.000Z message p1",
                    "ann exit 2026-07-01T00:00:05.000Z time -",
                ])
            #expect(all["next_cursor"] == .null)
            let later = try await changes(client, harness, "pinged/changes?since=2026-07-01T00:00:00.001Z")
            #expect(summary(later) == ["ann exit 2026-07-01T00:00:05.000Z time -"])
            let first = try await changes(client, harness, "pinged/changes?limit=1")
            #expect(summary(first) == ["ann enter 2026-07-01T00:00:00.000Z message p1"])
            #expect(first["next_cursor"] == .string("1"))
            let next = try await changes(client, harness, "pinged/changes?limit=1&cursor=1")
            #expect(summary(next) == ["ann exit 2026-07-01T00:00:05.000Z time -"])
            try await client.execute(
                uri: "/api/v1/segments/nobody/changes", method: .get, headers: harness.bearer(harness.adminKey)
            ) { #expect($0.status == .notFound) }
            try await client.execute(
                uri: "/api/v1/segments/pinged/changes?since=yesterday-ish", method: .get,
                headers: harness.bearer(harness.adminKey)
            ) { #expect($0.status == .badRequest) }
        }
    }

    @Test("a restart reports nothing twice; a change due while down is recorded once at its own instant")
    func restart() async throws {
        let harness = try await Harness()
        try harness.write(Self.pinged, to: "segments/pinged.yaml")
        try await harness.run { client in
            try await pingAnn(client, harness)
        }
        // Down for a minute: ann's exit fell due 5 s after her ping. A new segment was added meanwhile.
        harness.clock.advance(by: 60_000)
        try harness.write("where: did(\"Ping\")\n", to: "segments/ever-pinged.yaml")
        // The first restart cannot use the snapshot (the definitions changed) and writes a new one
        // after message 1, which the second resumes from.
        for resumedSnapshot in ["0.0", "1.0"] {
            try await harness.run { client in
                // The change log catches up once the engine has started.
                #expect(try await resumedFrom(client, harness) == resumedSnapshot)
                let pinged = try await members(client, harness, "pinged")
                let ever = try await members(client, harness, "ever-pinged")
                #expect(pinged == .array([]))
                #expect(ever == .array([.string("ann")]))
                let log = try await changes(client, harness, "pinged/changes")
                #expect(
                    summary(log) == [
                        "ann enter 2026-07-01T00:00:00.000Z message p1",
                        "ann exit 2026-07-01T00:00:05.000Z time -",
                    ])
                let added = try await changes(client, harness, "ever-pinged/changes")
                #expect(summary(added) == ["ann enter 2026-07-01T00:00:00.000Z definition -"])
            }
        }
    }

    @Test(
        "a segment on a cadence is recomputed when due, while messages go on moving real-time segments",
        arguments: Backend.allCases)
    func cadence(_ backend: Backend) async throws {
        let harness = try await Self.harness(everPinged: "refresh: 15m\nwhere: did(\"Ping\")\n", backend: backend)
        try await harness.run { client in
            try await pingAnn(client, harness)
            #expect(summary(try await changes(client, harness, "ever-pinged/changes")) == [])
            harness.clock.advance(by: 15 * 60_000)
            let log = try await eventualChanges(client, harness, "ever-pinged")
            #expect(log == ["ann enter 2026-07-01T00:15:00.000Z cadence -"])
            // Due again 15 minutes after that recomputation; a ping meanwhile moves only `pinged`.
            try await client.execute(
                uri: "/v1/track", method: .post, headers: harness.basic,
                body: Self.ping("bob", id: "p2", at: Harness.now + 15 * 60_000)
            ) { #expect($0.status == .ok) }
            #expect(try await members(client, harness, "pinged") == .array([.string("bob")]))
            #expect(summary(try await changes(client, harness, "ever-pinged/changes")) == log)
        }
    }

    /// The sequence of the snapshot the engine resumed from at start, from the metrics, once it has
    /// started (nil if it does not within ten seconds).
    func resumedFrom(_ client: some TestClientProtocol, _ harness: Harness) async throws -> String? {
        try await metric("strata_live_start_snapshot_sequence", client, harness)
    }

    /// The value of a metric's series (its name with any labels), once it appears (nil if it does
    /// not within ten seconds).
    func metric(_ series: String, _ client: some TestClientProtocol, _ harness: Harness) async throws -> String? {
        for _ in 0..<200 {
            let value = try await client.execute(
                uri: "/api/v1/metrics", method: .get, headers: harness.bearer(harness.adminKey)
            ) { response in
                response.text.split(separator: "\n").first { $0.hasPrefix(series + " ") }
                    .map { String($0.dropFirst(series.count + 1)) }
            }
            if let value { return value }
            try await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }

    @Test("a restart resumes from the engine's snapshot, from an older one by taking the later messages again")
    func snapshotRestart() async throws {
        let harness = try await Self.harness(everPinged: "where: did(\"Ping\")\n")
        try await harness.run { client in
            let resumed = try await resumedFrom(client, harness)
            #expect(resumed == "0.0")
            // The first start wrote a snapshot of the empty log; it took some time to write.
            #expect(try await metric("strata_live_snapshots_total{outcome=\"written\"}", client, harness) == "1")
            #expect(try await metric("strata_live_snapshot_sequence", client, harness) == "0.0")
            let seconds = try await metric("strata_live_snapshot_write_seconds", client, harness).flatMap(Double.init)
            #expect((seconds ?? 0) > 0)
            try await pingAnn(client, harness)
        }
        // The shutdown left a snapshot after ann's ping (message 1).
        let file = URL(fileURLWithPath: harness.workspace.databaseURL.path + "-live-snapshot")
        let afterAnn = try Data(contentsOf: file)
        harness.clock.advance(by: 1_000)
        try await harness.run { client in
            let resumed = try await resumedFrom(client, harness)
            #expect(resumed == "1.0")
            try await client.execute(
                uri: "/v1/track", method: .post, headers: harness.basic,
                body: Self.ping("bob", id: "p2", at: Harness.now + 1_000)
            ) { #expect($0.status == .ok) }
            let pinged = try await members(client, harness, "pinged")
            #expect(pinged == .array([.string("ann"), .string("bob")]))
        }
        // As if the server had been killed before its snapshot after bob's ping: the older one is back,
        // and bob's message is taken again from the store, reporting nothing twice. Down for a minute,
        // both exits fell due meanwhile.
        try afterAnn.write(to: file)
        harness.clock.advance(by: 60_000)
        let log = [
            "ann enter 2026-07-01T00:00:00.000Z message p1",
            "bob enter 2026-07-01T00:00:01.000Z message p2",
            "ann exit 2026-07-01T00:00:05.000Z time -",
            "bob exit 2026-07-01T00:00:06.000Z time -",
        ]
        try await harness.run { client in
            let resumed = try await resumedFrom(client, harness)
            #expect(resumed == "1.0")
            let pinged = try await members(client, harness, "pinged")
            #expect(pinged == .array([]))
            let ever = try await members(client, harness, "ever-pinged")
            #expect(ever == .array([.string("ann"), .string("bob")]))
            let recorded = summary(try await changes(client, harness, "pinged/changes"))
            #expect(recorded == log)
        }
        // A damaged snapshot is not used: every stored message is evaluated instead, to the same result.
        var damaged = try Data(contentsOf: file)
        damaged[damaged.count / 2] ^= 0x01
        try damaged.write(to: file)
        try await harness.run { client in
            let resumed = try await resumedFrom(client, harness)
            #expect(resumed == "0.0")
            let ever = try await members(client, harness, "ever-pinged")
            #expect(ever == .array([.string("ann"), .string("bob")]))
            let recorded = summary(try await changes(client, harness, "pinged/changes"))
            #expect(recorded == log)
            let recordedEver = summary(try await changes(client, harness, "ever-pinged/changes"))
            #expect(
                recordedEver == [
                    "ann enter 2026-07-01T00:00:00.000Z message p1", "bob enter 2026-07-01T00:00:01.000Z message p2",
                ])
        }
        // That start wrote a new snapshot, which the next one resumes from.
        try await harness.run { client in
            let resumed = try await resumedFrom(client, harness)
            #expect(resumed == "2.0")
        }
    }

    @Test("a snapshot that cannot be written is counted as failed, and memberships go on", arguments: Backend.allCases)
    func snapshotFailure(_ backend: Backend) async throws {
        let harness = try await Self.harness(everPinged: "where: did(\"Ping\")\n", backend: backend)
        // A folder with a file in it where the snapshot goes: the file cannot replace it.
        let path = harness.workspace.databaseURL.path + "-live-snapshot"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try Data("kept".utf8).write(to: URL(fileURLWithPath: path + "/inside"))
        try await harness.run { client in
            #expect(try await metric("strata_live_snapshots_total{outcome=\"failed\"}", client, harness) == "1")
            try await pingAnn(client, harness)
            #expect(try await members(client, harness, "ever-pinged") == .array([.string("ann")]))
            let text = try await client.execute(
                uri: "/api/v1/metrics", method: .get, headers: harness.bearer(harness.adminKey)
            ) { $0.text }
            #expect(!text.contains("outcome=\"written\""))
            #expect(!text.contains("strata_live_snapshot_sequence"))
        }
        #expect(try String(contentsOfFile: path + "/inside", encoding: .utf8) == "kept")
    }

    @Test(
        "PUT records a new definition's members as definition changes, answering from the evaluation the live engine's reload made; DELETE records their exits",
        arguments: Backend.allCases)
    func definitionChanges(_ backend: Backend) async throws {
        let harness = try await Harness(backend: backend)
        try harness.write(Self.pinged, to: "segments/pinged.yaml")
        let admin = harness.bearer(harness.adminKey)
        try await harness.run { client in
            try await pingAnn(client, harness)
            harness.clock.advance(by: 1_000)
            try await client.execute(
                uri: "/api/v1/segments/pingers", method: .put, headers: admin,
                body: ByteBuffer(string: "where: count(\"Ping\") >= 1\n")
            ) { response in
                #expect(response.status == .created)
                #expect(response.json["size"] == .number(1))
                #expect(response.json["population"] == .number(1))
                // The reload's instant: the engine's clock when the definitions changed.
                #expect(response.json["last_computed"] == .string("2026-07-01T00:00:01.000Z"))
            }
            // Handed over once, by the change; a `source="api"` evaluation may run in the background.
            try await client.execute(uri: "/api/v1/metrics", method: .get, headers: admin) { response in
                let series = MetricsTests.series(String(buffer: response.body))
                #expect(series["strata_evaluations_total{source=\"live\"}"] == "1")
            }
            #expect(
                summary(try await changes(client, harness, "pingers/changes")) == [
                    "ann enter 2026-07-01T00:00:01.000Z definition -"
                ])
            #expect(try await members(client, harness, "pingers") == .array([.string("ann")]))
            harness.clock.advance(by: 1_000)
            try await client.execute(uri: "/api/v1/segments/pingers", method: .delete, headers: admin) {
                #expect($0.status == .noContent)
            }
            #expect(
                summary(try await changes(client, harness, "pingers/changes")) == [
                    "ann enter 2026-07-01T00:00:01.000Z definition -",
                    "ann exit 2026-07-01T00:00:02.000Z definition -",
                ])
        }
    }

    @Test(
        "the change stream delivers changes live, and replays from Last-Event-ID after a reconnect",
        arguments: Backend.allCases)
    func stream(_ backend: Backend) async throws {
        let harness = try await Harness(backend: backend)
        try harness.write(Self.pinged, to: "segments/pinged.yaml")
        let auth = ["Authorization": "Bearer \(harness.adminKey)"]
        let t0 = Harness.now
        try await harness.run { client in
            let port = try #require(client.port)
            let live = try EventStreamReader(port: port, path: "/api/v1/changes/stream", headers: auth)
            #expect(try await live.wait { $0.received.contains(": strata membership changes") })
            #expect(live.received.hasPrefix("HTTP/1.1 200"))
            #expect(live.received.lowercased().contains("content-type: text/event-stream"))
            try await client.execute(
                uri: "/v1/track", method: .post, headers: harness.basic, body: Self.ping("ann", id: "p1", at: t0)
            ) { #expect($0.status == .ok) }
            #expect(try await live.wait { $0.events.count == 1 })
            let event = try #require(live.events.first)
            #expect(event.id == "1")
            #expect(event.event == "change")
            #expect(event.data["segment"] == .string("pinged"))
            #expect(event.data["profile"] == .string("ann"))
            #expect(event.data["direction"] == .string("enter"))
            #expect(event.data["instant"] == .string("2026-07-01T00:00:00.000Z"))
            #expect(event.data["cause"] == .string("message"))
            #expect(event.data["message_id"] == .string("p1"))
            harness.clock.advance(by: 5_000)
            #expect(try await live.wait { $0.events.count == 2 })
            #expect(live.events.last?.data["direction"] == .string("exit"))
            #expect(live.events.last?.data["cause"] == .string("time"))

            // A reconnect after event 1 gets event 2 from the store, once; one for another segment, none.
            let again = try EventStreamReader(
                port: port, path: "/api/v1/changes/stream", headers: auth.merging(["Last-Event-ID": "1"]) { a, _ in a })
            #expect(try await again.wait { $0.events.count == 1 })
            #expect(again.events.map(\.id) == ["2"])
            let other = try EventStreamReader(
                port: port, path: "/api/v1/changes/stream?segment=other&after=0", headers: auth)
            #expect(try await other.wait { $0.received.contains(": strata membership changes") })
            try await Task.sleep(for: .milliseconds(300))
            #expect(other.events.isEmpty)
            let refused = try EventStreamReader(port: port, path: "/api/v1/changes/stream", headers: [:])
            #expect(try await refused.wait { $0.received.hasPrefix("HTTP/1.1 401") })
        }
    }
}
