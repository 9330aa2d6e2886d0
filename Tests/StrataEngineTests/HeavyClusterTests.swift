import PropertyBased
import StrataCore
import StrataEngine
import StrataLanguage
import Testing

/// Heavy clusters evaluated apart from the steps (``LiveEngine/takeHeavyJob()``): a light profile's
/// change comes out of its step while a heavy cluster's evaluation is out, the heavy cluster's waiting
/// messages are evaluated together with the causes of its messages, and its changes keep their order
/// and instants.
@Suite struct HeavyClusterTests {
    let start = t("2026-07-01T00:00:00Z")

    /// The members of every kept segment as the batch engine evaluates the messages at an instant.
    static func batchMembers(
        _ engine: LiveEngine, _ received: [(sequence: Int64, message: Message)], at instant: Int64
    ) throws -> [String: [String]] {
        var builder = TimelineBuilder(asOf: instant, needs: DataNeeds(definitions: engine.definitions))
        for (sequence, message) in received { builder.add(sequence: sequence, message: message) }
        let batch = Engine(
            population: builder.build(), definitions: engine.definitions, zone: engine.zone, now: instant)
        var members: [String: [String]] = [:]
        for name in engine.segments { members[name] = try batch.segment(named: name).members }
        return members
    }

    static func members(_ engine: LiveEngine) -> [String: [String]] {
        Dictionary(uniqueKeysWithValues: engine.segments.map { ($0, engine.members(of: $0) ?? []) })
    }

    /// `hot` reaches five messages, the threshold, with its fifth: from then on its evaluation waits
    /// apart. While that evaluation is out (taken, not run), a light profile's message is taken and its
    /// change comes out of its own step; the hot profile's next two messages wait, since one
    /// evaluation is out, and then the interval. They are evaluated together, each change caused by
    /// the last of them its segment reads, at the instant the evaluation starts.
    @Test func aLightProfileChangesWhileAHeavyClusterIsEvaluatedApart() throws {
        var f = Fixture()
        for i in 0..<5 { f.track("hot", "A", at: start + Int64(i)) }
        f.track("light", "A", at: start + 20)
        f.track("hot", "A", at: start + 30)
        f.track("hot", "B", at: start + 40)
        f.track("hot", "C", at: start + 50)
        f.segment("did-a", #"did("A")"#)
        f.segment("busy", #"count("A") >= 5"#)
        f.segment("busier", #"count("A") >= 6"#)
        f.segment("did-b", #"did("B")"#)
        let engine = LiveEngine(definitions: try f.definitions(), zone: f.zone, now: start)
        engine.heavyThreshold = 5
        engine.heavyInterval = 100
        let received = f.messages.enumerated().map { (sequence: Int64($0 + 1), message: $1) }
        var changes: [String] = []
        for entry in received[0..<4] {
            changes += try engine.ingest([entry], at: entry.message.receivedAt).map(\.description)
        }
        #expect(changes == ["2026-07-01T00:00:00.000Z did-a +hot (message m0)"])
        #expect(try engine.ingest([received[4]], at: start + 10).isEmpty)
        #expect(engine.hasHeavyWork)
        let held = try #require(try engine.takeHeavyJob())
        #expect(held.instant == start + 10)
        #expect(held.messages == 5)
        // The light profile's change comes out of its step; the heavy evaluation is still held.
        #expect(
            try engine.ingest([received[5]], at: start + 20).map(\.description) == [
                "2026-07-01T00:00:00.020Z did-a +light (message m5)"
            ])
        #expect(try engine.ingest([received[6]], at: start + 30).isEmpty)
        #expect(try engine.ingest([received[7]], at: start + 40).isEmpty)
        #expect(try engine.takeHeavyJob() == nil)
        #expect(try engine.apply(held.run()).map(\.description) == ["2026-07-01T00:00:00.010Z busy +hot (message m4)"])
        // The next evaluation of `hot` starts no sooner than 100 ms after the last one started.
        #expect(engine.heavyReadyAt == start + 110)
        #expect(try engine.ingest([received[8]], at: start + 50).isEmpty)
        #expect(try engine.takeHeavyJob() == nil)
        try engine.advance(to: start + 110)
        let next = try #require(try engine.takeHeavyJob())
        #expect(next.instant == start + 110)
        #expect(
            try engine.apply(next.run()).map(\.description) == [
                "2026-07-01T00:00:00.110Z busier +hot (message m6)",
                "2026-07-01T00:00:00.110Z did-b +hot (message m7)",
            ])
        #expect(!engine.hasHeavyWork)
        #expect(Self.members(engine) == (try Self.batchMembers(engine, received, at: start + 110)))
    }

    /// A change due by time alone while a heavy cluster's evaluation is out comes at its own instant:
    /// `hot`'s last ping at 00:00:00.002 leaves the window at 00:00:05.002, although the evaluation
    /// that found it ends after the clock passed that instant.
    @Test func aTimeChangeThatFallsDueDuringAHeavyEvaluationComesAtItsInstant() throws {
        var f = Fixture()
        for i in 0..<3 { f.track("hot", "Ping", at: start + Int64(i)) }
        f.segment("pinged", #"did("Ping", last 5s)"#)
        let engine = LiveEngine(definitions: try f.definitions(), zone: f.zone, now: start)
        engine.heavyThreshold = 3
        let received = f.messages.enumerated().map { (sequence: Int64($0 + 1), message: $1) }
        #expect(try engine.ingest(received, at: start + 2).isEmpty)
        let job = try #require(try engine.takeHeavyJob())
        #expect(try engine.advance(to: start + 10_000).isEmpty)
        #expect(try engine.apply(job.run()).map(\.description) == ["2026-07-01T00:00:00.002Z pinged +hot (message m2)"])
        // Evaluated at each instant the window may change (the first ping leaves it at 00:00:05.000).
        var instants: [Int64] = []
        var changes: [String] = []
        while let due = try engine.takeHeavyJob() {
            instants.append(due.instant)
            changes += try engine.apply(due.run()).map(\.description)
        }
        #expect(instants == [start + 5_000, start + 5_001, start + 5_002])
        #expect(changes == ["2026-07-01T00:00:05.002Z pinged -hot (time)"])
        #expect(!engine.hasHeavyWork)
        #expect(Self.members(engine) == (try Self.batchMembers(engine, received, at: start + 10_000)))
    }

    /// Random streams (late and future timestamps, identities joined later, shared accounts) with a
    /// random heavy threshold and interval, and heavy evaluations run at random moments: a profile's
    /// changes in a segment alternate and come in the order of their instants, replaying them gives
    /// the engine's memberships, and once the
    /// waiting evaluations are done (``LiveEngine/finishHeavyWork()``) the memberships equal a batch
    /// evaluation at that instant.
    @Test func heavyClustersEndWithTheBatchMemberships() async {
        await propertyCheck(count: 60, input: Gen.int(in: 0...1_000_000_000)) { seed in
            var random = SplitMix(seed: UInt64(seed))
            let world = ReferenceWorld.random(&random)
            var f = LiveEquivalenceTests.fixture(world, &random)
            if random.chance(0.5) { f.segment("busy-account", of: .accounts, #"count("A", last 7d) >= 2"#) }
            do {
                let definitions = try f.definitions()
                let arrivals = LiveEquivalenceTests.arrivals(of: f, &random)
                let first = (arrivals.first?.1 ?? world.now) - 1
                let engine = LiveEngine(definitions: definitions, zone: f.zone, now: first)
                engine.heavyThreshold = random.int(1...6)
                engine.heavyInterval = Int64(random.int(0...(2 * 86_400))) * 1000
                var received: [(sequence: Int64, message: Message)] = []
                var changes: [MembershipChange] = []
                func runHeavy() throws {
                    for _ in 0..<random.int(0...2) {
                        guard let job = try engine.takeHeavyJob() else { return }
                        changes += try engine.apply(job.run())
                    }
                }
                func check(_ instant: Int64) throws {
                    changes += try engine.advance(to: instant)
                    changes += try engine.finishHeavyWork()
                    let members = Self.members(engine)
                    #expect(
                        members == (try Self.batchMembers(engine, received, at: engine.now)),
                        "seed \(seed) at \(Instant.format(instant))")
                    var replayed: [String: Set<String>] = [:]
                    var latest: [String: Int64] = [:]
                    for change in changes {
                        let isMember = replayed[change.segment]?.contains(change.profile) == true
                        #expect(isMember != change.entered, "seed \(seed): \(change)")
                        let key = change.segment + "/" + change.profile
                        #expect(change.instant >= latest[key] ?? Int64.min, "seed \(seed): \(change)")
                        latest[key] = change.instant
                        if change.entered {
                            replayed[change.segment, default: []].insert(change.profile)
                        } else {
                            replayed[change.segment]?.remove(change.profile)
                        }
                    }
                    #expect(
                        replayed.filter { !$0.value.isEmpty }.mapValues { $0.sorted() }
                            == members.filter { !$0.value.isEmpty }, "seed \(seed)")
                }
                // Usually one message a step, sometimes a few taken together at the last one's arrival.
                var position = 0
                while position < arrivals.count {
                    let end = min(arrivals.count, position + (random.int(0...3) == 0 ? random.int(2...4) : 1))
                    let batch = arrivals[position..<end].map { arrival in
                        received.append((Int64(received.count + 1), arrival.0))
                        return received[received.count - 1]
                    }
                    changes += try engine.ingest(batch, at: max(arrivals[end - 1].1, engine.now))
                    try runHeavy()
                    if random.chance(0.3) {
                        changes += try engine.advance(to: engine.now + Int64(random.int(0...86_400)) * 1000)
                    }
                    try runHeavy()
                    if random.chance(0.15) { try check(engine.now) }
                    position = end
                }
                try check(engine.now + 90 * day)
            } catch {
                Issue.record("seed \(seed): \(error)")
            }
        }
    }
}
