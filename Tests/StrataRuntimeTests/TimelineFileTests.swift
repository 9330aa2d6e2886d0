import Foundation
import StrataCore
import StrataEngine
import StrataIngest
import StrataLanguage
import StrataRuntime
import StrataStore
import Testing

/// The timelines file against the log alone: a session reading the file and the log's later messages
/// answers exactly as one reading the whole log, whatever the file went through.
@Suite struct TimelineFileTests {
    static let definitions = [
        "segments/buyers.yaml": "where: count(\"Order Completed\", last 30d) >= 2\n",
        "segments/big.yaml": "where: sum(\"Order Completed\", revenue) > 100 and trait.plan = \"pro\"\n",
        "segments/teams.yaml": "of: accounts\nwhere: trait.industry = \"retail\"\n",
    ]
    static let start = Instant.parse("2026-01-01T00:00:00Z") ?? 0
    static let day: Int64 = 86_400_000

    /// A deterministic random source: the hash of the seed and a count, so that a failing seed can be
    /// run again.
    struct Draws: RandomNumberGenerator {
        let seed: UInt64
        var drawn: UInt64 = 0
        mutating func next() -> UInt64 {
            drawn += 1
            return withUnsafeBytes(of: (seed, drawn)) { Hash.key64($0.bindMemory(to: UInt8.self)) }
        }
    }

    /// What the segments and ann's and bob's plans are, as of an instant.
    static func answers(_ session: EvaluationSession, at instant: Int64) throws -> [String] {
        let evaluation = try session.evaluate(asOf: instant)
        var answers = try ["buyers", "big", "teams"].map { name in
            "\(name): \(try evaluation.engine.segment(named: name).members)"
        }
        for id in ["u1", "u2", "a1", "a2"] {
            let plan = evaluation.population.userIndex(forID: id).map {
                evaluation.population.trait(["plan"], of: $0, kind: .users).plainText
            }
            answers.append("\(id): \(plan ?? "no profile")")
        }
        return answers
    }

    /// The same session reading the log alone.
    static func logAlone(_ session: EvaluationSession) -> EvaluationSession {
        var copy = session
        copy.timelines = nil
        return copy
    }

    /// A batch of random messages: orders of known and anonymous users, identifies that link an
    /// anonymous id to a user, aliases joining two users, group calls, and repeats of earlier messages.
    static func batch(_ random: inout Draws, round: Int, earlier: [Message]) -> [Message] {
        let users = (1...6).map { "u\($0)" }
        let anonymous = (1...6).map { "a\($0)" }
        var batch: [Message] = []
        for index in 0..<Int.random(in: 5...25, using: &random) {
            let id = "r\(round)-\(index)"
            let time = start + Int64.random(in: 0..<(60 * day), using: &random)
            let user = users.randomElement(using: &random)
            let anon = anonymous.randomElement(using: &random)
            switch Int.random(in: 0..<10, using: &random) {
            case 0...4:
                let known = Bool.random(using: &random)
                batch.append(
                    Message(
                        kind: .track, messageId: id, userId: known ? user : nil, anonymousId: known ? nil : anon,
                        event: "Order Completed",
                        properties: ["revenue": .number(Double(Int.random(in: 5...80, using: &random)))],
                        timestamp: time, receivedAt: time))
            case 5, 6:
                batch.append(
                    Message(
                        kind: .identify, messageId: id, userId: user, anonymousId: anon,
                        traits: ["plan": .string(["pro", "free"].randomElement(using: &random) ?? "pro")],
                        timestamp: time, receivedAt: time))
            case 7:
                batch.append(
                    Message(
                        kind: .alias, messageId: id, userId: user, previousId: users.randomElement(using: &random),
                        timestamp: time, receivedAt: time))
            case 8:
                batch.append(
                    Message(
                        kind: .group, messageId: id, userId: user, traits: ["industry": .string("retail")],
                        groupId: ["acme", "initech"].randomElement(using: &random), timestamp: time, receivedAt: time))
            default:
                if let repeated = earlier.randomElement(using: &random) { batch.append(repeated) }
            }
        }
        return batch
    }

    /// Imports messages as `strata import` does (seven lines a batch), with a follower keeping the
    /// file current in the import's pass (``ImportTimelines``, made before the import unless given),
    /// which writes it for any import storing at least an eighth of what the log held.
    @discardableResult
    static func importing(
        _ messages: [Message], into runtime: Runtime, follower: ImportTimelines? = nil
    ) async throws -> ImportReport {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("batch.jsonl")
        try messages.map { JSONWriter.string($0.json) }.joined(separator: "\n").write(
            to: file, atomically: true, encoding: .utf8)
        let made = follower == nil ? try await Self.follower(runtime) : follower
        return try await Importer(store: runtime.store, batchSize: 7, receivedAt: start, follower: made).run(
            files: [file.path])
    }

    /// A follower for an import into the runtime's store, writing the file for any import storing at
    /// least an eighth of what the log held.
    static func follower(_ runtime: Runtime) async throws -> ImportTimelines? {
        var session = try await runtime.session()
        session.timelines?.rewriteMinimum = 1
        return try ImportTimelines(session: session)
    }

    /// An order of a user, received at its time.
    static func order(_ id: String, by user: String, revenue: Double, at time: Int64) -> Message {
        Message(
            kind: .track, messageId: id, userId: user, event: "Order Completed",
            properties: ["revenue": .number(revenue)], timestamp: time, receivedAt: time)
    }

    /// What the file covers: its last sequence and its messages.
    static func covered(_ url: URL) throws -> (sequence: Int64, messages: Int)? {
        try DurableFile.read(url).map { bytes in
            let snapshot = try TimelineSnapshot(decoding: bytes)
            return (snapshot.sequence, snapshot.messages)
        }
    }

    @Test(
        "from the file and the later messages, at random instants with late merges, repeats and an erasure, every answer is the log's",
        arguments: [1, 2, 3, 4] as [UInt64])
    func fileAnswersAsTheLog(seed: UInt64) async throws {
        try await withWorkspace(Self.definitions) { runtime in
            var random = Draws(seed: seed)
            var stored: [Message] = []
            var session = try await runtime.session()
            let url = try #require(session.timelines?.url)
            for round in 0..<8 {
                let batch = Self.batch(&random, round: round, earlier: stored)
                stored += batch
                switch Int.random(in: 0..<4, using: &random) {
                case 0:
                    // Imported: the file takes the messages stored when they are an eighth of the log.
                    let (before, found) = (try Self.covered(url), try runtime.store.lastSequence())
                    let stored = try await Self.importing(batch, into: runtime).stored.inserted
                    let covers = try Self.covered(url)?.sequence
                    if stored > 0, stored >= found / 8 {
                        #expect(covers == found + Int64(stored), "seed \(seed), round \(round)")
                    } else {
                        #expect(covers == before?.sequence, "seed \(seed), round \(round)")
                    }
                case 1:
                    _ = try await runtime.store.append(batch, quarantine: [])
                    _ = try session.rebuildTimelines()  // as `strata timelines rebuild`
                case 2:
                    _ = try await runtime.store.append(batch, quarantine: [])
                    if round == 5 { _ = try await runtime.store.erase(profile: "u3", at: Self.start) }
                default:
                    _ = try await runtime.store.append(batch, quarantine: [])  // the file stays behind the log
                }
                session = try await runtime.session()
                let instant = Self.start + Int64.random(in: 0..<(70 * Self.day), using: &random)
                let fromLog = try Self.answers(Self.logAlone(session), at: instant)
                #expect(try Self.answers(session, at: instant) == fromLog, "seed \(seed), round \(round)")
                #expect(FileManager.default.fileExists(atPath: url.path))
            }
        }
    }

    @Test func anImportLeavesTheFileCoveringEveryMessageItStoredAndNoneTwice() async throws {
        try await withWorkspace(Self.definitions) { runtime in
            let time = Self.start + Self.day
            let orders = (1...25).map { index in
                Self.order("o\(index)", by: "u\(index % 3)", revenue: Double(10 * index), at: time + Int64(index))
            }
            let url = try #require(runtime.timelinesURL)
            // Into an empty store: 20 messages in three batches, one repeated within the file.
            let first = try await Self.importing(orders[..<20] + [orders[4]], into: runtime)
            #expect(first.stored.inserted == 20)
            #expect(first.stored.duplicates == 1)
            #expect(try Self.covered(url)?.sequence == 20)
            #expect(try Self.covered(url)?.messages == 20)
            // Onto a current file, with the 20 stored orders again: they are not packed twice.
            try await Self.importing(orders, into: runtime)
            #expect(try Self.covered(url)?.sequence == 25)
            #expect(try Self.covered(url)?.messages == 25)
            // One more message is less than an eighth of 25: the file is left for the log to add to.
            try await Self.importing([Self.order("o26", by: "u2", revenue: 260, at: time + 26)], into: runtime)
            #expect(try Self.covered(url)?.sequence == 25)
            let session = try await runtime.session()
            let evaluation = try session.evaluate(asOf: time + Self.day)
            // u1 placed every third order from o1: nine of them.
            let u1 = try #require(evaluation.population.userIndex(forID: "u1"))
            #expect(evaluation.population.users.events(of: u1).count == 9)
            #expect(evaluation.messages == 26)
        }
    }

    @Test func anImportIntoAWorkspaceWithoutDefinitionsLeavesTheFileToTheFirstCommandAfterThem() async throws {
        try await withWorkspace([:]) { runtime in
            let url = try #require(runtime.timelinesURL)
            #expect(try await Self.follower(runtime) == nil)
            try await Self.importing([Self.order("o1", by: "u1", revenue: 60, at: Self.start)], into: runtime)
            #expect(!FileManager.default.fileExists(atPath: url.path))
        }
    }

    @Test func aMessageAnotherWriterStoresDuringAnImportLeavesTheFileToTheNextRead() async throws {
        try await withWorkspace(Self.definitions) { runtime in
            let time = Self.start + Self.day
            let order = { (id: String, user: String) in Self.order(id, by: user, revenue: 60, at: time) }
            let url = try #require(runtime.timelinesURL)
            try await Self.importing([order("o1", "u1")], into: runtime)
            #expect(try Self.covered(url)?.sequence == 1)
            // The follower is made as the import starts; the server stores o2 before the import's first
            // batch commits, so the import's messages are 3 and 4, not 2 and 3.
            let follower = try #require(try await Self.follower(runtime))
            _ = try await runtime.store.append([order("o2", "u2")], quarantine: [])
            try await Self.importing([order("o3", "u1"), order("o4", "u2")], into: runtime, follower: follower)
            #expect(try Self.covered(url)?.sequence == 1)
            // The next read takes the three later messages from the log: u1 and u2 hold 120 each.
            let session = try await runtime.session()
            #expect(try session.evaluate(asOf: time + 1).engine.segment(named: "buyers").members == ["u1", "u2"])
        }
    }

    @Test func theFileIsWhatIsServedAndTheLogOnlyAfterIt() async throws {
        try await withWorkspace(Self.definitions) { runtime in
            let time = Self.start + Self.day
            let order = { (id: String, user: String) in
                Message(
                    kind: .track, messageId: id, userId: user, event: "Order Completed",
                    properties: ["revenue": .number(150)],
                    timestamp: time, receivedAt: time)
            }
            let identify = Message(
                kind: .identify, messageId: "i1", userId: "u1", traits: ["plan": .string("pro")], timestamp: time,
                receivedAt: time)
            _ = try await runtime.store.append([identify, order("o1", "u1")], quarantine: [])
            let session = try await runtime.session()
            let summary = try #require(try session.rebuildTimelines())
            #expect(summary.sequence == 2)
            #expect(summary.messages == 2)
            #expect(summary.events == 1)
            // A file of the same coverage made from other messages (u9's order instead of u1's) is
            // served as it is: the log is read only after its sequence.
            var other = TimelineBuilder(
                asOf: Int64.max, needs: DataNeeds(definitions: session.definitions),
                extraTraits: EvaluationSession.listingTraits)
            let forged = Message(
                kind: .identify, messageId: "x", userId: "u9", traits: ["plan": .string("pro")], timestamp: time,
                receivedAt: time)
            other.add(sequence: 1, message: forged)
            other.add(sequence: 2, message: order("x2", "u9"))
            try DurableFile.replace(summary.url, with: other.snapshot(sequence: 2, messages: 2, erasures: 0).encoded())
            _ = try await runtime.store.append([order("o3", "u2")], quarantine: [])
            #expect(try session.evaluate(asOf: time + 1).engine.segment(named: "big").members == ["u9"])
            #expect(try Self.logAlone(session).evaluate(asOf: time + 1).engine.segment(named: "big").members == ["u1"])
        }
    }

    @Test func aScanUpToASequenceReadsTheLogThroughItAndLeavesAFileCoveringMoreAsItIs() async throws {
        try await withWorkspace(Self.definitions) { runtime in
            let time = Self.start + Self.day
            let messages = ["u1", "u2"].flatMap { (user: String) -> [Message] in
                [
                    Message(
                        kind: .identify, messageId: "i-\(user)", userId: user, traits: ["plan": .string("pro")],
                        timestamp: time, receivedAt: time),
                    Message(
                        kind: .track, messageId: "o-\(user)", userId: user, event: "Order Completed",
                        properties: ["revenue": .number(150)], timestamp: time, receivedAt: time),
                ]
            }
            _ = try await runtime.store.append(messages, quarantine: [])
            let session = try await runtime.session()
            let summary = try #require(try session.rebuildTimelines())
            #expect(summary.sequence == 4)
            let file = try Data(contentsOf: summary.url)
            func big(through bound: Int64) throws -> (messages: Int, members: [String]) {
                var builders = [TimelineBuilder(asOf: time + 1, needs: DataNeeds(definitions: session.definitions))]
                let read = try session.scan(into: &builders, through: bound)
                let engine = session.engine(over: builders[0].build(), now: time + 1)
                return (read, try engine.segment(named: "big").members)
            }
            // u1's identify and order (sequences 1 and 2): u2 is not there yet.
            #expect(try big(through: 2) == (2, ["u1"]))
            #expect(try Data(contentsOf: summary.url) == file)
            #expect(try big(through: 4) == (4, ["u1", "u2"]))
            #expect(try big(through: 3) == (3, ["u1"]))
            #expect(try Data(contentsOf: summary.url) == file)
        }
    }

    /// Damages the file in each way, then checks that the session answers as the log alone and has
    /// written a whole file again.
    @Test(arguments: ["flip a byte", "truncate", "another format", "empty", "leftover new file"])
    func aDamagedFileIsRebuiltAndNeverServed(_ damage: String) async throws {
        try await withWorkspace(Self.definitions) { runtime in
            var random = Draws(seed: 7)
            let batch = Self.batch(&random, round: 0, earlier: [])
            _ = try await runtime.store.append(batch, quarantine: [])
            let session = try await runtime.session()
            let url = try #require(try session.rebuildTimelines()?.url)
            let whole = try #require(try DurableFile.read(url))
            var bytes = whole
            switch damage {
            case "flip a byte": bytes[bytes.count / 2] ^= 0x01
            case "truncate": bytes.removeLast(bytes.count / 3)
            case "another format": bytes[17] = 7
            case "empty": bytes = []
            default:
                // A crash while writing leaves the new file beside the old one: it is never read.
                try Data("half a file".utf8).write(to: DurableFile.temporaryURL(of: url))
            }
            try Data(bytes).write(to: url)
            let instant = Self.start + 70 * Self.day
            #expect(try Self.answers(session, at: instant) == Self.answers(Self.logAlone(session), at: instant))
            // Rebuilt whole (its checksum holds), and served: the answers from it are the log's. Not compared
            // with the first file byte for byte: one full run saw two builds of the same log differ.
            let rebuilt = try #require(try DurableFile.read(url))
            #expect(rebuilt.count > whole.count / 2)
            #expect(try Self.answers(session, at: instant) == Self.answers(Self.logAlone(session), at: instant))
            #expect(try DurableFile.read(url) == rebuilt)
        }
    }

    @Test func anErasureRemovesTheFileAndAFileFromBeforeItIsNeverServed() async throws {
        try await withWorkspace(Self.definitions) { runtime in
            let time = Self.start + Self.day
            let messages = ["u1-1", "u1-2", "u2-1", "u2-2"].map { id in
                Message(
                    kind: .track, messageId: id, userId: String(id.prefix(2)), event: "Order Completed",
                    properties: ["revenue": .number(10)], timestamp: time, receivedAt: time)
            }
            _ = try await runtime.store.append(messages, quarantine: [])
            let url = try #require(try await runtime.session().rebuildTimelines()?.url)
            let before = try #require(try DurableFile.read(url))
            #expect(try await runtime.store.erase(profile: "u1", at: time) != nil)
            #expect(!FileManager.default.fileExists(atPath: url.path))
            // A copy of the file from before the erasure put back (a backup restored, say) is stale.
            try Data(before).write(to: url)
            let session = try await runtime.session()
            #expect(try session.evaluate(asOf: time + 1).engine.segment(named: "buyers").members == ["u2"])
            let rebuilt = try TimelineSnapshot(decoding: try #require(try DurableFile.read(url)))
            #expect(rebuilt.erasures == 1)
            #expect(rebuilt.messages == 2)
        }
    }
}
