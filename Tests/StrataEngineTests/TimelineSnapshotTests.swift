import StrataCore
import StrataEngine
import StrataLanguage
import Testing

@Suite struct TimelineSnapshotTests {
    /// Two people who each used a phone anonymously, then signed in; one of them joins the other's
    /// anonymous id by an alias after the snapshot was taken.
    static func fixture() -> Fixture {
        var f = Fixture()
        f.segment("buyers", "count(\"Order Completed\", last 30d) >= 2 and trait.plan = \"pro\"")
        f.segment("big", "sum(\"Order Completed\", revenue) > 100")
        f.segment("teams", of: .accounts, "trait.industry = \"retail\"")
        f.track(nil, "Order Completed", at: t("2026-01-02T00:00:00Z"), ["revenue": 60], anonymousId: "phone-1")
        f.identify("ann", ["plan": "pro", "tags": .array(["a", .object(["b": 1])])], at: t("2026-01-03T00:00:00Z"))
        f.track("ann", "Order Completed", at: t("2026-01-04T00:00:00Z"), ["revenue": 50, "note": "gift"])
        f.track(nil, "Order Completed", at: t("2026-01-05T00:00:00Z"), ["revenue": 70], anonymousId: "phone-2")
        f.group("ann", "acme", ["industry": "retail"], at: t("2026-01-06T00:00:00Z"))
        f.identify("bob", ["plan": "pro"], at: t("2026-01-07T00:00:00Z"), anonymousId: "phone-1")
        return f
    }

    static let later: [Message] = [
        Message(
            kind: .alias, messageId: "late-1", userId: "ann", previousId: "phone-2",
            timestamp: t("2026-01-08T00:00:00Z"),
            receivedAt: t("2026-01-08T00:00:00Z")),
        Message(
            kind: .track, messageId: "late-2", userId: "bob", event: "Order Completed", properties: ["revenue": 10],
            timestamp: t("2026-01-09T00:00:00Z"), receivedAt: t("2026-01-09T00:00:00Z")),
    ]

    /// Members of every segment, and ann's plan, from a population.
    static func answers(_ population: Population, _ definitions: Definitions, at instant: Int64) throws -> [String] {
        let engine = Engine(population: population, definitions: definitions, zone: .utc, now: instant)
        var answers = try ["buyers", "big", "teams"].map { "\($0): \(try engine.segment(named: $0).members)" }
        if let ann = population.userIndex(forID: "ann") {
            answers.append("plan: \(population.trait(["plan"], of: ann, kind: .users))")
        }
        return answers
    }

    @Test func aBuilderStartedFromASnapshotAnswersAsOneThatReadEveryMessage() throws {
        let fixture = Self.fixture()
        let definitions = try fixture.definitions()
        let needs = DataNeeds(definitions: definitions)
        var writer = TimelineBuilder(asOf: Int64.max, needs: needs)
        for (i, message) in fixture.messages.enumerated() { writer.add(sequence: Int64(i + 1), message: message) }
        let covered = Int64(fixture.messages.count)
        let bytes = writer.snapshot(sequence: covered, messages: fixture.messages.count, erasures: 0).encoded()
        let snapshot = try TimelineSnapshot(decoding: bytes)
        #expect(snapshot.sequence == covered)
        #expect(snapshot.events == 3)

        let all = fixture.messages + Self.later
        for instant in ["2026-01-04T12:00:00Z", "2026-01-07T12:00:00Z", "2026-01-10T00:00:00Z"].map(t) {
            var fromLog = TimelineBuilder(asOf: instant, needs: needs)
            for (i, message) in all.enumerated() { fromLog.add(sequence: Int64(i + 1), message: message) }
            var fromFile = TimelineBuilder(asOf: instant, from: snapshot)
            for (i, message) in Self.later.enumerated() {
                fromFile.add(sequence: covered + Int64(i + 1), message: message)
            }
            #expect(
                try Self.answers(fromFile.build(), definitions, at: instant)
                    == Self.answers(fromLog.build(), definitions, at: instant))
        }
        // Worked out by hand as of the end: the alias gives ann phone-2's order (60 + 50 + 70 > 100);
        // bob's are phone-1's 60 and his own 10.
        var fromFile = TimelineBuilder(asOf: t("2026-01-10T00:00:00Z"), from: snapshot)
        for (i, message) in Self.later.enumerated() { fromFile.add(sequence: covered + Int64(i + 1), message: message) }
        let answers = try Self.answers(fromFile.build(), definitions, at: t("2026-01-10T00:00:00Z"))
        #expect(
            answers == [
                "buyers: [\"ann\", \"bob\"]", "big: [\"ann\"]", "teams: [\"acme\"]", "plan: string(\"pro\")",
            ])
    }

    static func encoded() throws -> [UInt8] {
        let fixture = Self.fixture()
        var writer = TimelineBuilder(asOf: Int64.max, needs: DataNeeds(definitions: try fixture.definitions()))
        for (i, message) in fixture.messages.enumerated() { writer.add(sequence: Int64(i + 1), message: message) }
        return writer.snapshot(sequence: 6, messages: 6, erasures: 0).encoded()
    }

    /// The rest of the file is read while its checksum is worked out, so reading damaged bytes must fail
    /// or give something, never trap: every byte is damaged in turn, three ways.
    @Test func aDamagedFileFailsItsChecksumWhicheverByteChanged() throws {
        let bytes = try Self.encoded()
        for position in 17..<bytes.count {
            for mask: UInt8 in [0x01, 0x10, 0xff] {
                var damaged = bytes
                damaged[position] ^= mask
                let error = try #require(throws: SnapshotError.self) { try TimelineSnapshot(decoding: damaged) }
                #expect(error.description == "the timelines file is damaged: its checksum does not match")
            }
        }
    }

    @Test func aCutShortFileIsRefused() throws {
        let bytes = try Self.encoded()
        for length in [0, 10, 17, bytes.count / 2, bytes.count - 1] {
            #expect(throws: SnapshotError.self) { try TimelineSnapshot(decoding: Array(bytes.prefix(length))) }
        }
    }

    @Test func aFileOfAnotherFormatIsRefusedNamingItsFormat() throws {
        var bytes = try Self.encoded()
        // The version follows the 17-byte magic; the checksum is made right again, as another Strata
        // would have written it.
        bytes[17] = 9
        let body = Array(bytes.dropLast(8))
        let sum = body.withUnsafeBufferPointer { Hash.key64($0) }
        bytes = body + (0..<8).map { UInt8(truncatingIfNeeded: sum >> UInt64(8 * $0)) }
        let error = try #require(throws: SnapshotError.self) { try TimelineSnapshot(decoding: bytes) }
        #expect(error.description == "the timelines file has format 9, this Strata reads 5")
        #expect(throws: SnapshotError.self) { try TimelineSnapshot(decoding: Array("not a file".utf8)) }
    }
}
