import Foundation
import Logging
import StrataActivation
import StrataCore
import StrataLanguage
import StrataStore
import Testing

/// The outbox in process: the change feed in, the delivery log and a file out, on a clock moved by hand.
struct OutboxTests {
    /// Runs an outbox over a fresh in-memory store, after `prepare` wrote to it, until `body` returns.
    func withOutbox(
        _ files: [String: String], clock: TestClock, reader: FixedReader = FixedReader(),
        prepare: (MemoryStore) async throws -> Void = { _ in },
        _ body: (MemoryStore, ChangeFeed, URL) async throws -> Void
    ) async throws {
        let store = MemoryStore()
        try await prepare(store)
        let feed = ChangeFeed(log: store)
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("strata-outbox-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let current = try settings(files)
        let outbox = Outbox(
            store: store, feed: feed, definitions: { (current, reader) }, root: root,
            configuration: Outbox.Configuration(clock: { clock.now() }, poll: .milliseconds(20)),
            logger: Logger(label: "test"))
        let running = Task { try await outbox.run() }
        defer { running.cancel() }
        // The outbox starts after the changes recorded before it: wait until it has its cursor.
        #expect(try await eventually { try await store.cursor(of: "activations") != nil })
        try await body(store, feed, root)
    }

    func record(_ changes: [MembershipChange], _ store: MemoryStore, _ feed: ChangeFeed, at instant: Int64) async throws
    {
        let recorded = try await store.recordChanges(
            changes, checkpoint: LiveCheckpoint(sequence: 0, instant: instant), recordedAt: instant)
        feed.publish(recorded)
    }

    @Test func theDefaultRetryScheduleThenDead() async throws {
        let clock = TestClock(t0)
        let files = [
            "destinations/hook.yaml": hookFile,
            "activations/alert.yaml": "segment: carts\non: enter\nsteps:\n  - destination: hook\n",
        ]
        try await withOutbox(files, clock: clock) { store, feed, _ in
            try await record(
                [MembershipChange(segment: "carts", profile: "ann", entered: true, instant: t0, cause: .time)], store,
                feed, at: t0)
            // 0s, 5s, 5m, 30m, 2h, 5h, 10h, 10h: after attempt k fails, attempt k + 1 is the k-th delay later.
            // The first delay is 0s, so attempts 1 and 2 follow at once, and the clock first waits after 2.
            var waits: [Int] = []
            var delays: [Int64] = []
            while true {
                var seen: Delivery?
                let waiting = try await eventually {
                    seen = try await store.delivery(id: 1)
                    guard let delivery = seen else { return false }
                    return delivery.status == .dead || (delivery.status == .retrying && delivery.nextAt > clock.now())
                }
                #expect(waiting)
                guard let delivery = seen, waiting, delivery.status == .retrying else { break }
                #expect(delivery.lastError == "could not reach the endpoint: connection refused")
                waits.append(delivery.attempts)
                delays.append(delivery.nextAt - clock.now())
                clock.set(delivery.nextAt)
            }
            #expect(waits == [2, 3, 4, 5, 6, 7, 8])
            #expect(delays == [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000])
            #expect(try await eventually { try await store.delivery(id: 1)?.status == .dead })
            let dead = try #require(try await store.delivery(id: 1))
            #expect(dead.attempts == 9)
            #expect(dead.finishedAt == clock.now())
        }
    }

    @Test func aSendLeftSendingByAStoppedOutboxGoesOutAtTheNextStart() async throws {
        let clock = TestClock(t0)
        let files = [
            "destinations/audience.yaml": "kind: file\npath: exports/audience.jsonl\n",
            "activations/sync.yaml": "segment: carts\non: enter\nsteps:\n  - destination: audience\n",
        ]
        // Decided and leased for a day by an outbox that was killed before the attempt's result was written.
        let left = Delivery(
            changeID: 1, activation: "sync", step: 0, segment: "carts", profile: "ann", entered: true,
            changeInstant: t0, cause: "time", destination: "audience", channel: "file", status: .sending,
            dueAt: t0, nextAt: t0 + Instant.day, decidedAt: t0)
        try await withOutbox(
            files, clock: clock, prepare: { try await $0.enqueue([left], consumer: "activations", through: 1) }
        ) { store, _, root in
            #expect(try await eventually { try await store.delivery(id: 1)?.status == .sent })
            let sent = try #require(try await store.delivery(id: 1))
            #expect(sent.attempts == 1)
            #expect(sent.finishedAt == t0)
            let text = try String(contentsOf: root.appendingPathComponent("exports/audience.jsonl"), encoding: .utf8)
            let lines = text.split(separator: "\n").map { try? JSONParser.parse(Array($0.utf8)) }
            #expect(lines.count == 1)
            #expect(lines.first??.value(atPath: ["id"]) == .string("1"))
        }
    }

    @Test func aFileDestinationGetsOneSyncedLinePerDelivery() async throws {
        let clock = TestClock(t0)
        let files = [
            "destinations/audience.yaml": "kind: file\npath: exports/{{segment}}-{{activation}}.jsonl\n",
            "activations/sync.yaml":
                "segment: carts\non: enter\nsteps:\n  - destination: audience\n  - after: 1h\n    destination: audience\n",
        ]
        let reader = FixedReader(traits: ["ann": ["plan": .string("pro")]])
        try await withOutbox(files, clock: clock, reader: reader) { store, feed, root in
            try await record(
                [
                    MembershipChange(
                        segment: "carts", profile: "ann", entered: true, instant: t0, cause: .message("m1")),
                    MembershipChange(segment: "carts", profile: "bob", entered: true, instant: t0, cause: .time),
                ], store, feed, at: t0)
            #expect(try await eventually { try await store.deliveries(DeliveryQuery(status: .sent)).count == 2 })
            // bob leaves before his second step: at 1h, only ann's goes.
            try await record(
                [
                    MembershipChange(
                        segment: "carts", profile: "bob", entered: false, instant: t0 + 10 * Instant.minute,
                        cause: .time)
                ], store, feed, at: t0 + 10 * Instant.minute)
            clock.set(t0 + Instant.hour)
            #expect(try await eventually { try await store.deliveries(DeliveryQuery(status: .sent)).count == 3 })
            #expect(try await eventually { try await store.deliveries(DeliveryQuery(status: .exited)).count == 1 })
            let text = try String(
                contentsOf: root.appendingPathComponent("exports/carts-sync.jsonl"), encoding: .utf8)
            let lines = text.split(separator: "\n").map { try? JSONParser.parse(Array($0.utf8)) }
            #expect(lines.count == 3)
            let first = try #require(lines.first ?? nil)
            #expect(first.value(atPath: ["type"]) == .string("segment.entered"))
            #expect(first.value(atPath: ["segment"]) == .string("carts"))
            #expect(first.value(atPath: ["activation"]) == .string("sync"))
            #expect(first.value(atPath: ["instant"]) == .string("2026-06-30T00:00:00.000Z"))
            #expect(first.value(atPath: ["attempt"]) == .number(1))
            let profiles = lines.compactMap { $0?.value(atPath: ["profile", "id"])?.stringValue }
            #expect(profiles.sorted() == ["ann", "ann", "bob"])
            let steps = lines.compactMap { $0?.value(atPath: ["step"])?.numberValue }
            #expect(steps.sorted() == [0, 0, 1])
            let ann = lines.first { $0?.value(atPath: ["profile", "id"]) == .string("ann") } ?? nil
            #expect(ann?.value(atPath: ["profile", "traits", "plan"]) == .string("pro"))
            #expect(ann?.value(atPath: ["cause"]) == .string("message"))
        }
    }
}
