import PropertyBased
import StrataCore
import StrataEngine
import StrataLanguage
import Testing

/// Real-time memberships on an injected clock: messages and the passing of time move them, each
/// change at its exact instant, and they always equal a batch evaluation at the same instant.
@Suite struct LiveEngineTests {
    let start = t("2026-07-01T00:00:00Z")

    /// A live engine fed the fixture's messages, each received at its own timestamp (in order).
    func live(_ f: Fixture, from: Int64) throws -> (LiveEngine, [MembershipChange]) {
        let engine = LiveEngine(definitions: try f.definitions(), zone: f.zone, now: from)
        var changes: [MembershipChange] = []
        for (i, message) in f.messages.enumerated() {
            changes += try engine.ingest(message, sequence: Int64(i + 1), at: message.receivedAt)
        }
        return (engine, changes)
    }

    @Test func aPingEntersOnArrivalAndExitsFiveSecondsLater() throws {
        var f = Fixture()
        f.track("u", "Ping", at: start)
        f.segment("pinged", #"did("Ping", last 5s)"#)
        var (engine, changes) = try live(f, from: start - 1)
        #expect(engine.nextDue == start + 5000)
        changes += try engine.advance(to: start + 60_000)
        #expect(
            changes.map(\.description) == [
                "2026-07-01T00:00:00.000Z pinged +u (message m0)",
                "2026-07-01T00:00:05.000Z pinged -u (time)",
            ])
        #expect(engine.members(of: "pinged") == [])
        #expect(engine.nextDue == nil)
    }

    @Test func anAbandonedCartEntersAtItsDeadline() throws {
        var f = Fixture()
        f.track("u", "Cart Viewed", at: start)
        f.segment("abandoned", #"not_followed_by("Cart Viewed", "Order Completed", within: 2h)"#)
        var (engine, changes) = try live(f, from: start)
        changes += try engine.advance(to: start + 3 * hour)
        #expect(changes.map(\.description) == ["2026-07-01T02:00:00.000Z abandoned +u (time)"])
        // An order after the deadline does not take the cart back.
        let order = Message(
            kind: .track, messageId: "late", userId: "u", event: "Order Completed", timestamp: start + 3 * hour,
            receivedAt: start + 3 * hour)
        #expect(try engine.ingest(order, sequence: 2, at: start + 3 * hour).isEmpty)
    }

    @Test func anIdentifyMovesAnonymousMembershipsToTheUser() throws {
        var f = Fixture()
        f.track(nil, "Viewed", at: start, anonymousId: "a1")
        f.identify("u1", at: start + hour, anonymousId: "a1")
        f.segment("viewers", #"did("Viewed")"#)
        f.segment("non-viewers", #"not segment("viewers")"#)
        let (engine, changes) = try live(f, from: start)
        #expect(
            changes.map(\.description) == [
                "2026-07-01T00:00:00.000Z viewers +a1 (message m0)",
                "2026-07-01T01:00:00.000Z viewers -a1 (message m1)",
                "2026-07-01T01:00:00.000Z viewers +u1 (message m1)",
            ])
        #expect(engine.members(of: "viewers") == ["u1"])
        #expect(engine.members(of: "non-viewers") == [])
    }

    @Test func aDependentSegmentFlipsInTheSameStep() throws {
        var f = Fixture()
        f.track("u", "Ping", at: start)
        f.segment("pinged", #"did("Ping", last 5s)"#)
        f.segment("quiet", #"not segment("pinged")"#)
        var (engine, changes) = try live(f, from: start)
        changes += try engine.advance(to: start + 10_000)
        #expect(
            changes.map(\.description) == [
                "2026-07-01T00:00:00.000Z pinged +u (message m0)",
                "2026-07-01T00:00:05.000Z pinged -u (time)",
                "2026-07-01T00:00:05.000Z quiet +u (time)",
            ])
    }

    @Test func calendarWeeksEndAtLocalMidnight() throws {
        var f = Fixture(zone: try #require(Zone(identifier: "Asia/Tokyo")))
        f.track("u", "A", at: t("2026-07-01T10:00:00Z"))  // Wednesday in Tokyo
        f.segment("this-week", #"did("A", this week)"#)
        var (engine, changes) = try live(f, from: start)
        changes += try engine.advance(to: t("2026-07-10T00:00:00Z"))
        // Monday 2026-07-06 00:00 in Tokyo (UTC+9) is 2026-07-05T15:00Z.
        #expect(changes.last?.description == "2026-07-05T15:00:00.000Z this-week -u (time)")
    }

    @Test func populationRankingSegmentsAreLeftToTheBatchRun() throws {
        var f = Fixture()
        f.track("u", "A", at: start)
        f.segment("top", #"percentile(count("A")) >= 90"#)
        f.segment("reads-top", #"segment("top") and did("A")"#)
        f.segment("plain", #"did("A")"#)
        let engine = LiveEngine(definitions: try f.definitions(), zone: f.zone, now: start)
        #expect(engine.segments == ["plain"])
        #expect(engine.members(of: "top") == nil)
    }

    @Test func aMessageMovesOnlyTheSegmentsThatReadItsEventButANewProfileJoinsAny() throws {
        var f = Fixture()
        f.track("u", "Ping", at: start)
        f.track("u", "Order Completed", at: start + hour)
        f.track("u", "Ping", at: start + 2 * hour)
        f.segment("never-bought", #"not did("Order Completed")"#)
        f.segment("pinged", #"did("Ping")"#)
        let (engine, changes) = try live(f, from: start)
        // The first Ping reads nothing of never-bought, yet u is new there and enters it.
        #expect(
            changes.map(\.description) == [
                "2026-07-01T00:00:00.000Z never-bought +u (message m0)",
                "2026-07-01T00:00:00.000Z pinged +u (message m0)",
                "2026-07-01T01:00:00.000Z never-bought -u (message m1)",
            ])
        #expect(engine.members(of: "never-bought") == [])
    }

    @Test func futureTimestampsCountWhenTheirTimeComes() throws {
        var f = Fixture()
        f.track("u", "A", at: start + hour, receivedAt: start)
        f.segment("did-a", #"did("A")"#)
        var (engine, changes) = try live(f, from: start)
        #expect(changes.isEmpty)
        changes += try engine.advance(to: start + 2 * hour)
        #expect(changes.map(\.description) == ["2026-07-01T01:00:00.000Z did-a +u (time)"])
    }

    /// A group call joins a user to its account's cluster only when a kept segment reads accounts,
    /// itself or through what it reads: otherwise an event re-evaluates its own user's messages (here
    /// 3: the group call, an earlier event and itself), not those of every user of the account (7).
    @Test func anEventReevaluatesItsWholeAccountOnlyWhenAKeptSegmentReadsAccounts() throws {
        let at = "2026-07-01T00:00:00.020Z"
        let cases: [(name: String, segments: [String: (ProfileKind, String)], traits: [String], entered: [String])] = [
            ("users only", [:], [], []),
            ("an account segment", ["busy": (.accounts, #"count("A") >= 4"#)], [], ["busy +acct"]),
            ("an account trait", ["pro": (.users, #"account.trait.plan = "pro""#)], [], []),
            (
                "a computed trait reading account events", ["busy-team": (.users, "computed.team_a >= 4")],
                [#"account.count("A")"#], ["busy-team +u1", "busy-team +u2", "busy-team +u3"]
            ),
        ]
        for test in cases {
            var f = Fixture()
            for user in ["u1", "u2", "u3"] {
                f.group(user, "acct", ["plan": "pro"], at: start)
                f.track(user, "A", at: start + 10)
            }
            f.segment("twice", #"count("A") >= 2"#)
            // Recomputed on a cadence, not kept here: it does not make the engine read accounts.
            f.files["segments/quiet.yaml"] = "of: accounts\nrefresh: 15m\nwhere: not did(\"A\", last 1d)\n"
            for (name, segment) in test.segments { f.segment(name, of: segment.0, segment.1) }
            f.traits = test.traits.map { ("team_a", $0) }
            let (engine, _) = try live(f, from: start)
            let reads = test.name != "users only"
            #expect(engine.readsAccounts == reads, "\(test.name)")
            let before = engine.evaluatedMessages
            let event = Message(
                kind: .track, messageId: "next", userId: "u2", event: "A", timestamp: start + 20,
                receivedAt: start + 20)
            let changes = try engine.ingest(event, sequence: 7, at: start + 20)
            #expect(engine.evaluatedMessages - before == (reads ? 7 : 3), "\(test.name)")
            #expect(
                changes.map(\.description) == (test.entered + ["twice +u2"]).map { "\(at) \($0) (message next)" },
                "\(test.name)")
            #expect(engine.members(of: "twice") == ["u2"], "\(test.name)")
            #expect(engine.segments.contains("quiet") == false)
        }
    }

    /// One step over six clusters, split into three parts evaluated at once: the same changes, in the
    /// same order (segment, then profile bytes), with the cause of each cluster's message, as one part.
    @Test func aStepSplitIntoPartsGivesTheChangesOfOnePart() throws {
        var f = Fixture()
        for user in ["u5", "u1", "u4", "u0", "u3", "u2"] {
            f.track(user, "A", at: start + 10)
        }
        f.track("u1", "A", at: start + 20)
        f.track("u4", "A", at: start + 30)
        f.group("u3", "acct", at: start + 40)
        f.group("u2", "acct", at: start + 50)
        f.segment("did-a", #"did("A", last 5s)"#)
        f.segment("twice", #"count("A") >= 2"#)
        f.segment("busy", of: .accounts, #"count("A") >= 2"#)
        let batch = f.messages.enumerated().map { (sequence: Int64($0 + 1), message: $1) }
        var results: [[String]] = []
        for workers in [1, 3] {
            let engine = LiveEngine(
                definitions: try f.definitions(), zone: f.zone, now: start, workers: workers, partThreshold: 0)
            var changes = try engine.ingest(batch, at: start + 50)
            changes += try engine.advance(to: start + 10_000)
            results.append(changes.map(\.description))
            #expect(engine.members(of: "twice") == ["u1", "u4"])
            #expect(engine.members(of: "busy") == ["acct"])
        }
        #expect(results[1] == results[0])
        #expect(
            results[1] == [
                "2026-07-01T00:00:00.050Z busy +acct (message m9)",
                "2026-07-01T00:00:00.050Z did-a +u0 (message m3)",
                "2026-07-01T00:00:00.050Z did-a +u1 (message m6)",
                "2026-07-01T00:00:00.050Z did-a +u2 (message m9)",
                "2026-07-01T00:00:00.050Z did-a +u3 (message m9)",
                "2026-07-01T00:00:00.050Z did-a +u4 (message m7)",
                "2026-07-01T00:00:00.050Z did-a +u5 (message m0)",
                "2026-07-01T00:00:00.050Z twice +u1 (message m6)",
                "2026-07-01T00:00:00.050Z twice +u4 (message m7)",
                "2026-07-01T00:00:05.010Z did-a -u0 (time)",
                "2026-07-01T00:00:05.010Z did-a -u2 (time)",
                "2026-07-01T00:00:05.010Z did-a -u3 (time)",
                "2026-07-01T00:00:05.010Z did-a -u5 (time)",
                "2026-07-01T00:00:05.020Z did-a -u1 (time)",
                "2026-07-01T00:00:05.030Z did-a -u4 (time)",
            ])
    }

    /// In one step, a change names the message that moved it: the last of its profile's messages
    /// that its segment reads, not the last message of the step.
    @Test func aChangeNamesTheMessageItsSegmentReads() throws {
        var f = Fixture()
        f.track("u1", "A", at: start + 10)
        f.track("u1", "B", at: start + 20)
        f.track("u2", "B", at: start + 30)
        f.track("u2", "A", at: start + 40)
        f.track("u2", "C", at: start + 50)
        f.segment("did-a", #"did("A")"#)
        f.segment("did-b", #"did("B")"#)
        let batch = f.messages.enumerated().map { (sequence: Int64($0 + 1), message: $1) }
        let engine = LiveEngine(definitions: try f.definitions(), zone: f.zone, now: start)
        #expect(
            try engine.ingest(batch, at: start + 50).map(\.description) == [
                "2026-07-01T00:00:00.050Z did-a +u1 (message m0)",
                "2026-07-01T00:00:00.050Z did-a +u2 (message m3)",
                "2026-07-01T00:00:00.050Z did-b +u1 (message m1)",
                "2026-07-01T00:00:00.050Z did-b +u2 (message m2)",
            ])
    }

    /// With room for four messages, the visitor's two events are dropped from memory when the user's
    /// third arrives (the visitor was evaluated least recently). The identify then joins a cluster
    /// held in memory with one that is not: the joined cluster is read back whole from the store, so
    /// the visitor's events count for the user.
    @Test func aJoinWithAClusterNotHeldInMemoryReadsItBack() throws {
        var f = Fixture()
        f.track(nil, "A", at: start, anonymousId: "v")
        f.track(nil, "A", at: start + 1, anonymousId: "v")
        f.track("u", "B", times: [start + 2, start + 3, start + 4])
        f.identify("u", at: start + 5, anonymousId: "v")
        f.segment("twice", #"count("A") >= 2"#)
        let log = StoredLog(f.messages.enumerated().map { (Int64($0 + 1), $1) })
        let engine = LiveEngine(
            definitions: try f.definitions(), zone: f.zone, now: start, source: log.recordingSource, capacity: 4)
        var changes: [MembershipChange] = []
        for (sequence, message) in log.messages {
            changes += try engine.ingest(message, sequence: sequence, at: message.receivedAt)
        }
        #expect(
            changes.map(\.description) == [
                "2026-07-01T00:00:00.001Z twice +v (message m1)",
                "2026-07-01T00:00:00.005Z twice +u (message m5)",
                "2026-07-01T00:00:00.005Z twice -v (message m5)",
            ])
        #expect(log.reads == [[1, 2, 3, 4, 5, 6]])
        // Six messages do not fit in four: the joined cluster is not held, and nothing else is.
        #expect(engine.heldMessages == 0)
    }

    /// Past its room, the engine drops the clusters used least recently, just enough of them for the
    /// messages to fit, and reads a dropped cluster back whole when a message next touches it.
    @Test func theClustersUsedLeastRecentlyAreDroppedFirst() throws {
        var f = Fixture()
        for (i, user) in ["u1", "u2", "u3", "u1", "u4", "u3", "u2", "u1"].enumerated() {
            f.track(user, "Ping", at: start + Int64(i))
        }
        f.segment("pinged", #"did("Ping")"#)
        let log = StoredLog(f.messages.enumerated().map { (Int64($0 + 1), $1) })
        let engine = LiveEngine(
            definitions: try f.definitions(), zone: f.zone, now: start, source: log.recordingSource, capacity: 4)
        var held: [Int] = []
        var changes: [MembershipChange] = []
        for (sequence, message) in log.messages {
            changes += try engine.ingest(message, sequence: sequence, at: message.receivedAt)
            held.append(engine.heldMessages)
        }
        // Message 5 (u4) drops u2, the least recently used; message 6 (u3, held) drops u1; message 7
        // reads u2 back and drops u4; message 8 reads u1 back and drops u3 and u2.
        #expect(held == [1, 2, 3, 4, 4, 3, 4, 3])
        #expect(log.reads == [[2, 7], [1, 4, 8]])
        #expect(
            changes.map(\.description) == [
                "2026-07-01T00:00:00.000Z pinged +u1 (message m0)",
                "2026-07-01T00:00:00.001Z pinged +u2 (message m1)",
                "2026-07-01T00:00:00.002Z pinged +u3 (message m2)",
                "2026-07-01T00:00:00.004Z pinged +u4 (message m4)",
            ])
    }
}

extension LiveEngineTests {
    /// u's ping, then a1's view and a1 identified as u1, with `pinged` (a ping in the last 5 s) and
    /// `viewers`; and the messages as a store holds them.
    func pingAndView() -> (Fixture, StoredLog) {
        var f = Fixture()
        f.track("u", "Ping", at: start)
        f.track(nil, "Viewed", at: start + 1, anonymousId: "a1")
        f.identify("u1", at: start + 2, anonymousId: "a1")
        f.segment("pinged", #"did("Ping", last 5s)"#)
        f.segment("viewers", #"did("Viewed")"#)
        return (f, StoredLog(f.messages.enumerated().map { (Int64($0 + 1), $1) }))
    }

    /// An engine resumed from a snapshot holds no message: it has the memberships and due instants of
    /// the one snapshotted, reads a cluster back from the store when a message touches it, and gives
    /// the changes the first would have given.
    @Test func aSnapshotResumesWhereItWasTaken() throws {
        let (f, log) = pingAndView()
        let first = LiveEngine(definitions: try f.definitions(), zone: f.zone, now: start)
        for (sequence, message) in log.messages.prefix(2) {
            try first.ingest(message, sequence: sequence, at: message.receivedAt)
        }
        let snapshot = try LiveEngine.Snapshot(
            decoding: first.snapshot(fingerprint: "defs", sequence: 2, anchor: "m1").encoded())
        #expect(snapshot.fingerprint == "defs")
        #expect(snapshot.sequence == 2)
        #expect(snapshot.anchor == "m1")
        #expect(snapshot.now == start + 1)
        #expect(snapshot.segments == ["pinged", "viewers"])
        let resumed = try LiveEngine.restore(
            snapshot, definitions: try f.definitions(), zone: f.zone, source: log.recordingSource)
        #expect(resumed.heldMessages == 0)
        #expect(resumed.members(of: "pinged") == ["u"])
        #expect(resumed.members(of: "viewers") == ["a1"])
        #expect(resumed.nextDue == start + 5_000)
        var changes = try resumed.ingest(log.messages[2].message, sequence: 3, at: start + 2)
        changes += try resumed.advance(to: start + 10_000)
        #expect(
            changes.map(\.description) == [
                "2026-07-01T00:00:00.002Z viewers -a1 (message m2)",
                "2026-07-01T00:00:00.002Z viewers +u1 (message m2)",
                "2026-07-01T00:00:05.000Z pinged -u (time)",
            ])
        // The identify's cluster (a1's view and the identify) was read back; u's only at its exit.
        #expect(log.reads == [[2, 3], [1]])
    }

    @Test func aReloadForOtherDefinitionsKeepsTheClustersAndTheirMessagesAndRefusesOtherKinds() throws {
        let (f, log) = pingAndView()
        let first = LiveEngine(definitions: try f.definitions(), zone: f.zone, now: start, source: log.recordingSource)
        for (sequence, message) in log.messages {
            try first.ingest(message, sequence: sequence, at: message.receivedAt)
        }
        var next = Fixture()
        next.segment("viewers", #"did("Viewed")"#)
        next.segment("pinged-10s", #"did("Ping", last 10s)"#)
        var builder = TimelineBuilder(asOf: first.now, needs: DataNeeds(definitions: try next.definitions()))
        for (sequence, message) in log.messages { builder.add(sequence: sequence, message: message) }
        let reloaded = try #require(
            try LiveEngine.reload(
                first, definitions: try next.definitions(), zone: f.zone, population: { builder.build() },
                source: log.recordingSource))
        #expect(reloaded.segments == ["pinged-10s", "viewers"])
        #expect(reloaded.members(of: "viewers") == ["u1"])
        #expect(reloaded.members(of: "pinged-10s") == ["u"])
        // The old exit from `pinged` at 5 s stays due: a cluster evaluated then changes nothing.
        #expect(reloaded.nextDue == start + 5_000)
        #expect(reloaded.heldMessages == 3)
        let changes = try reloaded.advance(to: start + 20_000)
        #expect(changes.map(\.description) == ["2026-07-01T00:00:10.000Z pinged-10s -u (time)"])
        // Both definitions read no properties: the messages held before were kept, none read back.
        #expect(log.reads.isEmpty)
        // An account segment makes group calls join users to accounts: the clusters cannot carry over,
        // and the population is not read for nothing.
        next.segment("teams", of: .accounts, #"did("Ping")"#)
        var read = false
        #expect(
            try LiveEngine.reload(
                first, definitions: try next.definitions(), zone: f.zone,
                population: {
                    read = true
                    return builder.build()
                }, source: nil) == nil)
        #expect(!read)
    }

    /// A restored engine holds nothing; warming reads the clusters back, the most recently given a
    /// message first, while they fit in three quarters of the room.
    @Test func warmingReadsBackTheLatestClustersFirstWhileTheyFit() throws {
        var f = Fixture()
        f.track("u1", "Ping", at: start)
        f.track("u2", "Ping", at: start + 1)
        f.track("u3", "Ping", at: start + 2)
        f.segment("pinged", #"did("Ping", last 5s)"#)
        let log = StoredLog(f.messages.enumerated().map { (Int64($0 + 1), $1) })
        let first = LiveEngine(definitions: try f.definitions(), zone: f.zone, now: start)
        for (sequence, message) in log.messages {
            try first.ingest(message, sequence: sequence, at: message.receivedAt)
        }
        let snapshot = first.snapshot(fingerprint: "defs", sequence: 3, anchor: "m3")
        // An engine without a source of its own holds every message: nothing to warm.
        #expect(first.warmer(reading: log.recordingSource) == nil)
        func restored(capacity: Int) throws -> (engine: LiveEngine, log: StoredLog) {
            let read = StoredLog(log.messages)
            let engine = try LiveEngine.restore(
                snapshot, definitions: try f.definitions(), zone: f.zone, source: read.recordingSource,
                capacity: capacity)
            return (engine, read)
        }
        // Room for six: one cluster per part, u3's (the latest message) first.
        let (roomy, roomyLog) = try restored(capacity: 8)
        #expect(roomy.heldMessages == 0)
        var warmer = try #require(roomy.warmer(reading: roomyLog.recordingSource))
        let third = try #require(try warmer.next(messages: 1))
        #expect(roomyLog.reads == [[3]])
        #expect(roomy.hold(third) == 1)
        let second = try #require(try warmer.next(messages: 1))
        // u2 is given a message before its part is held: it is read at once, and the part is not held.
        let m4 = Message(
            kind: .track, messageId: "m4", userId: "u2", event: "Ping", timestamp: start + 3, receivedAt: start + 3)
        roomyLog.messages.append((4, m4))
        let changes = try roomy.ingest(m4, sequence: 4, at: start + 3)
        #expect(changes.isEmpty)
        #expect(roomy.hold(second) == 0)
        let last = try #require(try warmer.next(messages: 5))
        #expect(roomy.hold(last) == 1)
        #expect(try warmer.next(messages: 5) == nil)
        #expect(roomyLog.reads == [[3], [2], [2, 4], [1]])
        #expect(roomy.heldMessages == 4)
        // Held now: a message for u1 reads nothing, and its cluster is evaluated as before.
        #expect(
            try roomy.ingest(
                Message(
                    kind: .track, messageId: "m5", userId: "u1", event: "Ping", timestamp: start + 4,
                    receivedAt: start + 4),
                sequence: 5, at: start + 4
            ).isEmpty)
        #expect(roomyLog.reads.count == 4)
        #expect(roomy.members(of: "pinged") == ["u1", "u2", "u3"])
        // Three quarters of a room of 2 (rounded up) hold two messages: u3's and u2's, in one read.
        let (tight, tightLog) = try restored(capacity: 2)
        var tightWarmer = try #require(tight.warmer(reading: tightLog.recordingSource))
        let both = try #require(try tightWarmer.next(messages: 10))
        #expect(both.messages == 2)
        #expect(tight.hold(both) == 2)
        #expect(try tightWarmer.next(messages: 10) == nil)
        #expect(tightLog.reads == [[2, 3]])
        #expect(tight.heldMessages == 2)
        // Full: no room to warm.
        #expect(tight.warmer(reading: tightLog.recordingSource) == nil)
    }

    /// What a restart records when the memberships recorded before it differ from the engine's: the
    /// kept segments' differences, and the exits of a segment no longer kept.
    @Test func changesFromRecordedMembershipsAreTheDifferences() throws {
        var f = Fixture()
        f.track("u1", "A", at: start)
        f.track("u2", "A", at: start)
        f.track("u3", "B", at: start)
        f.segment("did-a", #"did("A")"#)
        f.segment("did-b", #"did("B")"#)
        let (engine, _) = try live(f, from: start)
        let recorded: [String: Set<String>] = [
            "did-a": ["u1", "u3"], "did-b": ["ghost", "u3"], "gone": ["u2", "u1"],
        ]
        let changes = engine.changes(from: recorded, at: start + 1, cause: .definition)
        #expect(
            changes.map(\.description) == [
                "2026-07-01T00:00:00.001Z did-a +u2 (definition)",
                "2026-07-01T00:00:00.001Z did-a -u3 (definition)",
                "2026-07-01T00:00:00.001Z did-b -ghost (definition)",
                "2026-07-01T00:00:00.001Z gone -u1 (definition)",
                "2026-07-01T00:00:00.001Z gone -u2 (definition)",
            ])
        #expect(
            changes
                == MembershipChange.differences(
                    from: recorded, to: engine.allMembers, at: start + 1, cause: .definition))
        #expect(engine.changes(from: engine.allMembers, at: start + 1, cause: .definition).isEmpty)
    }

    /// A snapshot's bytes as the format lays them out: the magic, a body, and FNV-1a of both
    /// (little-endian), so that only the body's structure is wrong.
    static func sealed(_ body: [UInt8]) -> [UInt8] {
        let bytes = Array("STRATA-LIVE\n".utf8) + body
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return bytes + (0..<8).map { UInt8(truncatingIfNeeded: hash >> UInt64(8 * $0)) }
    }

    /// Format 1, then an empty fingerprint, sequence 0, empty anchor, clock 0 and no segments.
    static let header: [UInt8] = [2, 0, 0, 0, 0, 0]
    static let (a, b, r) = (UInt8(ascii: "a"), UInt8(ascii: "b"), UInt8(ascii: "r"))

    /// Snapshots with a good checksum and a bad structure, with the error each gives.
    static let malformed: [([UInt8], String)] = [
        (sealed([3]), "the snapshot has format 3, this Strata reads 2"),
        // The fingerprint claims 5 bytes where 1 is left; the count starts after the 12-byte magic and
        // the version.
        (sealed([2, 5, a]), "a count of 5 is more than the snapshot can hold (byte 13)"),
        // Ids: a joined to b, b to a.
        (sealed(header + [2, 1, a, 1, b, 1, b, 1, a] + [0, 0, 0, 0, 0, 0, 0]), "the ids a, b form a loop"),
        // Ids: a joined to b, and b is missing.
        (
            sealed(header + [1, 1, a, 1, b] + [0, 0, 0, 0, 0, 0, 0]),
            "the id a leads to b, which is not in the snapshot"
        ),
        // No ids; cluster r holds sequences 2 (zigzag 4) then 2 again (delta 0), read up to byte 25.
        (sealed(header + [0] + [1, 1, r, 2, 4, 0]), "the message sequences of r are not ascending (byte 25)"),
    ]

    /// Encoding a snapshot paced pauses after about every 256 KB, so that the server can spread the
    /// work out, and writes the same bytes; releasing it pauses too.
    @Test func aPacedSnapshotPausesAboutEvery256KBAndWritesTheSameBytes() throws {
        var f = Fixture()
        for i in 0..<20_000 { f.track("user-\(i)", "Ping", at: start) }
        f.segment("pinged", #"did("Ping")"#)
        let engine = LiveEngine(definitions: try f.definitions(), zone: f.zone, now: start)
        try engine.ingest(f.messages.enumerated().map { (Int64($0 + 1), $1) }, at: start)
        let snapshot = engine.snapshot(fingerprint: "defs", sequence: 20_000, anchor: "m19999")
        var pauses = 0
        let paced = snapshot.encoded(pausing: { pauses += 1 })
        let plain = snapshot.encoded()
        #expect(paced == plain)
        // About 1.6 MB: 20,000 users' ids, clusters, profiles and table rows.
        let slices = plain.count / (256 * 1024)
        #expect(slices >= 5)
        #expect(pauses >= slices - 1 && pauses <= slices)
        // Released a part at a time, a pause after about every 4,096 entries: 4 for each table of
        // 20,000 (ids, cluster messages, cluster profiles, the membership table's users), none for the
        // empty ones (due instants, accounts), leaving nothing, while the engine keeps its own state.
        var released = snapshot
        var releases = 0
        released.release { releases += 1 }
        #expect(releases == 4 * 4)
        let empty = try LiveEngine.restore(
            LiveEngine.Snapshot(decoding: released.encoded()), definitions: try f.definitions(), zone: f.zone,
            source: { _ in [] })
        #expect(empty.members(of: "pinged") == [])
        #expect(engine.members(of: "pinged")?.count == 20_000)
        let whole = try LiveEngine.restore(
            LiveEngine.Snapshot(decoding: plain), definitions: try f.definitions(), zone: f.zone, source: { _ in [] })
        #expect(whole.members(of: "pinged")?.count == 20_000)
    }

    @Test func aDamagedOrMismatchedSnapshotIsRefused() throws {
        var f = Fixture()
        f.track("u", "Ping", at: start)
        f.segment("pinged", #"did("Ping", last 5s)"#)
        let (engine, _) = try live(f, from: start)
        let bytes = engine.snapshot(fingerprint: "defs", sequence: 1, anchor: "m0").encoded()
        var flipped = bytes
        flipped[bytes.count / 2] ^= 0x40
        let refusals: [([UInt8], String)] = [
            ([], "not a snapshot of the live engine"),
            (Array("STRATA-LIVE\nnot really".utf8), "the snapshot is damaged: its checksum does not match"),
            (flipped, "the snapshot is damaged: its checksum does not match"),
            (Array(bytes.dropLast(3)), "the snapshot is damaged: its checksum does not match"),
        ]
        for (damaged, reason) in refusals + Self.malformed {
            do {
                _ = try LiveEngine.Snapshot(decoding: damaged)
                Issue.record("decoded, expected: \(reason)")
            } catch {
                #expect(error.description == reason)
            }
        }
        // The smallest whole snapshot, built by hand like the malformed ones: empty, and read as such.
        let empty = try LiveEngine.Snapshot(decoding: Self.sealed(Self.header + [0, 0, 0] + [0, 0, 0, 0] + [0]))
        #expect(empty.segments.isEmpty)
        #expect(empty.sequence == 0)
        f.segment("other", #"did("Other")"#)
        do {
            _ = try LiveEngine.restore(
                try LiveEngine.Snapshot(decoding: bytes), definitions: try f.definitions(), zone: f.zone,
                source: { _ in [] })
            Issue.record("a snapshot of other segments was restored")
        } catch {
            #expect("\(error)" == "the snapshot keeps other segments than the definitions")
        }
    }
}

/// Random message streams arriving in random order (late and future timestamps included) with
/// random segments: at every checkpoint, the live memberships equal a batch evaluation at that instant,
/// and an engine started from the store part-way (reading messages back through a source), like one
/// resumed from a snapshot taken there, reports the same changes from then on.
@Suite struct LiveEquivalenceTests {
    /// A random world with random segments and identities joined: an anonymous visitor identified
    /// later, visitors identified or aliased at random instants, and users sharing an account.
    static func fixture(_ world: ReferenceWorld, _ random: inout SplitMix) -> Fixture {
        var f = world.fixture
        for i in 0..<3 { f.segment("s\(i)", ReferenceExpr.randomCondition(&random, depth: 2).text) }
        f.segment("waiting", #"not_followed_by("A", "B", within: 2d)"#)
        f.segment("this-week", #"did("C", this week)"#)
        f.segment("either", #"segment("s0") or segment("waiting")"#)
        // Identities and accounts: an anonymous visitor identified later, and a shared account.
        f.track(nil, "A", at: world.now - 3 * day, anonymousId: "anon")
        f.identify("u0", at: world.now - 2 * day, anonymousId: "anon")
        f.group("u0", "acct", at: world.now - 5 * day)
        // More joins at random instants: visitors identified or aliased later, users joining the account.
        for i in 0..<3 {
            func at() -> Int64 { world.now - Int64(random.int(0...(60 * 86_400))) * 1000 }
            for _ in 0..<random.int(1...3) { f.track(nil, "A", at: at(), anonymousId: "visitor-\(i)") }
            if i == 2 {
                f.alias("visitor-\(i)", to: "u\(i)", at: at())
            } else {
                f.identify("u\(i)", at: at(), anonymousId: "visitor-\(i)")
            }
            f.group("u\(i)", "acct", at: at())
        }
        return f
    }

    /// The sequences of the messages each group of ids finds, as the store's index finds them (a userId
    /// the messages carrying it, an anonymousId those carrying it without a userId, a groupId the group
    /// calls of that account), each group also given the first message it does not find, as a hash
    /// shared by two ids would: the engine must leave that one out.
    static func indexed(_ groups: [[IndexedID]], in messages: [(Int64, Message)]) -> [[Int64]] {
        groups.map { ids in
            let wanted = Set(ids)
            let found = messages.filter { _, message in
                let owner = message.userId.map(IndexedID.user) ?? message.anonymousId.map(IndexedID.anonymous)
                let account = message.kind == .group ? message.groupId.map(IndexedID.account) : nil
                return owner.map(wanted.contains) == true || account.map(wanted.contains) == true
            }.map(\.0)
            let other = messages.first { !found.contains($0.0) }.map(\.0)
            return (found + (other.map { [$0] } ?? [])).sorted()
        }
    }

    /// The arrival of a fixture's messages: each within a day of its timestamp, earlier or later, with
    /// its index, in arrival order.
    static func arrivals(of f: Fixture, _ random: inout SplitMix) -> [(Message, Int64, Int)] {
        var arrivals = f.messages.enumerated().map { i, message in
            (message, message.time + Int64(random.int(-86_400...86_400)) * 1000, i)
        }
        arrivals.sort { ($0.1, $0.2) < ($1.1, $1.2) }
        return arrivals
    }

    @Test func liveMembershipsEqualBatchRunsAtEveryCheckpoint() async {
        await propertyCheck(count: 60, input: Gen.int(in: 0...1_000_000_000)) { seed in
            var random = SplitMix(seed: UInt64(seed))
            let world = ReferenceWorld.random(&random)
            var f = Self.fixture(world, &random)
            // Accounts read by an account segment, by a user segment, or not at all (so that group
            // calls join no users).
            let accounts = random.int(0...2)
            func readAccounts(_ fixture: inout Fixture) {
                switch accounts {
                case 0: fixture.segment("busy-account", of: .accounts, #"count("A", last 7d) >= 2"#)
                case 1: fixture.segment("in-busy-account", #"account.count("A", last 7d) >= 2"#)
                default: break
                }
            }
            readAccounts(&f)
            // The definitions of an engine running before a definition change: another random segment,
            // one of the same, and the same reading of accounts.
            var before = world.fixture
            before.segment("replaced", ReferenceExpr.randomCondition(&random, depth: 2).text)
            before.segment("waiting", #"not_followed_by("A", "B", within: 2d)"#)
            readAccounts(&before)
            // An event no segment reads, from new and from known users: it moves nothing, except that a
            // new user may enter at once (`not did("A")`).
            f.segment("never-a", #"not did("A")"#)
            for i in 0..<4 {
                let user = random.int(0...1) == 0 ? "quiet-\(i)" : "u0"
                f.track(user, "Unread", at: world.now - Int64(random.int(0...(60 * 86_400))) * 1000)
            }
            do {
                let definitions = try f.definitions()
                let definitionsBefore = try before.definitions()
                let arrivals = Self.arrivals(of: f, &random)
                let first = (arrivals.first?.1 ?? world.now) - 1
                // Steps split into parts as soon as they hold two clusters, on up to three cores.
                let engine = LiveEngine(
                    definitions: definitions, zone: f.zone, now: first, workers: random.int(1...3), partThreshold: 0)
                var received: [(Int64, Message)] = []
                var checkpoints = (0..<6).map { _ in first + Int64(random.int(0...(90 * 86_400))) * 1000 }
                checkpoints.sort()
                var next = 0
                let restartAt = random.int(0...arrivals.count)
                // The restarted engine holds few messages in memory, often none: clusters are dropped,
                // read back from the store and joined while held or not.
                let capacity = random.int(0...12)
                // Four restarted engines: one started from the stored messages, one from their packed
                // form and the store's index, one resumed from a snapshot, one reloaded from an engine of
                // other definitions over the same messages.
                var restarted: [LiveEngine] = []
                var storedLog: StoredLog?
                func compare(_ live: [MembershipChange], _ restart: (LiveEngine) throws -> [MembershipChange]) throws {
                    for (index, other) in restarted.enumerated() {
                        let again = try restart(other)
                        // Clusters due at one instant may be taken in another order: compare as sets per instant.
                        let order = { (a: MembershipChange, b: MembershipChange) in a.description < b.description }
                        #expect(again.sorted(by: order) == live.sorted(by: order), "seed \(seed): restart \(index)")
                    }
                }
                func check(_ instant: Int64) throws {
                    let changes = try engine.advance(to: instant)
                    try compare(changes) { try $0.advance(to: instant) }
                    var builder = TimelineBuilder(asOf: instant, needs: DataNeeds(definitions: definitions))
                    for (sequence, message) in received { builder.add(sequence: sequence, message: message) }
                    let batch = Engine(
                        population: builder.build(), definitions: definitions, zone: f.zone, now: instant)
                    for name in engine.segments {
                        #expect(
                            engine.members(of: name) == (try batch.segment(named: name).members),
                            "seed \(seed): \(name) at \(Instant.format(instant))")
                    }
                    for other in restarted { #expect(other.allMembers == engine.allMembers, "seed \(seed)") }
                }
                var position = 0
                while position < arrivals.count {
                    // Usually one message at a time; sometimes a few that arrive together, taken in one
                    // batch at the last one's arrival (as the server takes what one commit stored).
                    let size = random.int(0...3) == 0 ? random.int(2...4) : 1
                    let group = arrivals[position..<min(arrivals.count, position + size)]
                    if storedLog == nil, position >= restartAt {
                        let log = StoredLog(received)
                        let source: LiveEngine.MessageSource = { sequences in
                            sequences.map { log.messages[Int($0) - 1] }
                        }
                        restarted.append(
                            try LiveEngine.start(
                                definitions: definitions, zone: f.zone, now: engine.now, source: source,
                                capacity: capacity
                            ) { body in
                                for (sequence, message) in received { body(sequence, message) }
                            })
                        var packed = TimelineBuilder(asOf: Int64.max, needs: DataNeeds(definitions: definitions))
                        for (sequence, message) in received { packed.add(sequence: sequence, message: message) }
                        restarted.append(
                            try LiveEngine.start(
                                definitions: definitions, zone: f.zone, now: engine.now, packed: packed,
                                sequences: { [received] in Self.indexed($0, in: received) }, source: source,
                                capacity: capacity))
                        let snapshot = engine.snapshot(fingerprint: "f", sequence: Int64(received.count), anchor: "a")
                        restarted.append(
                            try LiveEngine.restore(
                                LiveEngine.Snapshot(decoding: snapshot.encoded()), definitions: definitions,
                                zone: f.zone, source: source, capacity: capacity))
                        let older = try LiveEngine.start(
                            definitions: definitionsBefore, zone: f.zone, now: engine.now, source: source,
                            capacity: capacity
                        ) { body in
                            for (sequence, message) in received { body(sequence, message) }
                        }
                        var builder = TimelineBuilder(asOf: engine.now, needs: DataNeeds(definitions: definitions))
                        for (sequence, message) in received { builder.add(sequence: sequence, message: message) }
                        restarted.append(
                            try #require(
                                try LiveEngine.reload(
                                    older, definitions: definitions, zone: f.zone, population: { builder.build() },
                                    source: source, capacity: capacity)))
                        storedLog = log
                        for other in restarted {
                            #expect(other.allMembers == engine.allMembers, "seed \(seed): started")
                        }
                    }
                    while next < checkpoints.count, let first = group.first, checkpoints[next] < first.1 {
                        try check(max(checkpoints[next], engine.now))
                        next += 1
                    }
                    var batch: [(sequence: Int64, message: Message)] = []
                    for (message, _, _) in group {
                        received.append((Int64(received.count + 1), message))
                        batch.append((Int64(received.count), message))
                    }
                    storedLog?.messages = received
                    let at = max(group.last?.1 ?? engine.now, engine.now)
                    let changes = try engine.ingest(batch, at: at)
                    try compare(changes) { try $0.ingest(batch, at: at) }
                    for other in restarted { #expect(other.heldMessages <= capacity, "seed \(seed)") }
                    position += group.count
                }
                while next < checkpoints.count {
                    try check(max(checkpoints[next], engine.now))
                    next += 1
                }
            } catch {
                Issue.record("seed \(seed): \(error)")
            }
        }
    }
}

/// Messages as a store holds them, read back by sequence (1-based) after the engine was started; used
/// by one test at a time.
final class StoredLog: @unchecked Sendable {
    var messages: [(sequence: Int64, message: Message)]
    /// The sequences of each read through ``recordingSource``, in order.
    private(set) var reads: [[Int64]] = []

    init(_ messages: [(sequence: Int64, message: Message)]) { self.messages = messages }

    /// A source reading this log that records each read.
    var recordingSource: @Sendable ([Int64]) throws -> [(sequence: Int64, message: Message)] {
        { sequences in
            self.reads.append(sequences)
            return sequences.map { self.messages[Int($0) - 1] }
        }
    }
}
