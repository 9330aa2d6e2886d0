import Foundation
import StrataCore
import StrataIngest
import StrataStore
import Testing

struct ImporterTests {
    static let received: Int64 = 1_782_820_800_000

    func makeFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("strata-import-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    func withStore(_ body: (SQLiteStore, URL) async throws -> Void) async throws {
        let folder = try makeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try await body(try SQLiteStore(path: folder.appendingPathComponent("strata.db").path), folder)
    }

    func write(_ text: String, to folder: URL, name: String) throws -> String {
        let url = folder.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    @Test func jsonlWithBatchesAndBadLines() async throws {
        try await withStore { store, folder in
            let file = try write(
                """
                {"type":"track","userId":"u1","event":"Logged In","messageId":"m1","timestamp":"2026-06-01T00:00:00Z"}
                {"batch":[{"type":"identify","userId":"u1","traits":{"plan":"pro"},"messageId":"m2"},{"type":"track","userId":"u1"}]}

                not json at all
                {"type":"track","anonymousId":"a","event":"Page Viewed","timestamp":"soon","messageId":"m4"}
                {"type":"track","userId":"u1","event":"Logged In","messageId":"m1","timestamp":"2026-06-01T00:00:00Z"}
                """, to: folder, name: "events.jsonl")
            let importer = Importer(store: store, receivedAt: Self.received)
            let report = try await importer.run(files: [file])
            #expect(report.lines == 6)
            #expect(report.stored.inserted == 2)
            #expect(report.stored.duplicates == 1)
            #expect(report.stored.quarantined == 3)
            #expect(report.quarantinedByReason == ["missing_event": 1, "invalid_json": 1, "invalid_timestamp": 1])
            #expect(report.examples.count == 3)
            #expect(report.examples[0] == "\(file):2#1: missing_event (event): a track call needs an event name")
            #expect(report.examples[1].hasPrefix("\(file):4: invalid_json: "))
            #expect(report.examples[2].hasPrefix("\(file):5: invalid_timestamp (timestamp): cannot read \"soon\""))
            let kept = try await store.quarantined(limit: 10)
            #expect(
                kept.map(\.raw) == [
                    Array(#"{"type":"track","userId":"u1"}"#.utf8), Array("not json at all".utf8),
                    Array(
                        #"{"type":"track","anonymousId":"a","event":"Page Viewed","timestamp":"soon","messageId":"m4"}"#
                            .utf8),
                ])
            // Importing the same file again stores nothing new, and quarantines nothing twice.
            let again = try await importer.run(files: [file])
            #expect(again.stored.inserted == 0)
            #expect(again.stored.duplicates == 3)
            #expect(again.stored.quarantined == 0)
            #expect(again.stored.alreadyQuarantined == 3)
            #expect(try await store.statistics().messages == 2)
            #expect(try await store.statistics().quarantined == 3)
        }
    }

    /// A store whose indexing fails (as a full disk would make it), forwarding everything else.
    struct IndexingFails: MessageLog {
        struct Full: PlainDescribable {
            var plainDescription: String { "database or disk is full" }
        }
        let base: MemoryStore

        func append(_ messages: [Message], quarantine: [QuarantineEntry]) async throws -> AppendResult {
            try await base.append(messages, quarantine: quarantine)
        }
        func append(
            storedParts parts: [[StoredMessage]], quarantine: [QuarantineEntry], releasing: [QuarantineRelease]
        ) async throws -> AppendResult {
            try await base.append(storedParts: parts, quarantine: quarantine, releasing: releasing)
        }
        func prepareForAppends() async throws { try await base.prepareForAppends() }
        func indexAll() async throws { throw Full() }
        func statistics() async throws -> StoreStatistics { try await base.statistics() }
        func reading<T: Sendable>(_ body: @escaping @Sendable (any ProfileSource) throws -> T) async throws -> T {
            try await base.reading(body)
        }
        func busiestUsers(limit: Int) async throws -> [(userId: String, messages: Int)] {
            try await base.busiestUsers(limit: limit)
        }
        func quarantined(reason: String?, limit: Int) async throws -> [QuarantineEntry] {
            try await base.quarantined(reason: reason, limit: limit)
        }
        func forEachMessage(
            after sequence: Int64, includingContext: Bool, payloadKeys: Set<String>?,
            _ body: (Int64, Message) throws -> Void
        ) throws {
            try base.forEachMessage(
                after: sequence, includingContext: includingContext, payloadKeys: payloadKeys, body)
        }
        func messages(
            after sequence: Int64, limit: Int, payloadKeys: Set<String>
        ) throws -> [(
            sequence: Int64, message: Message
        )] {
            try base.messages(after: sequence, limit: limit, payloadKeys: payloadKeys)
        }
        func lastSequence() throws -> Int64 { try base.lastSequence() }
        func messages(sequences: [Int64], payloadKeys: Set<String>?) throws -> [(sequence: Int64, message: Message)] {
            try base.messages(sequences: sequences, payloadKeys: payloadKeys)
        }
        func forEachMessageId(_ body: (String) throws -> Void) throws { try base.forEachMessageId(body) }
        func sequences(of groups: [[IndexedID]], through last: Int64) throws -> [[Int64]] {
            try base.sequences(of: groups, through: last)
        }
    }

    @Test func anIndexingThatFailsAtTheEndIsReportedAndEveryMessageStaysStored() async throws {
        let folder = try makeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = try write(
            """
            {"type":"track","userId":"u1","event":"Logged In","messageId":"m1","timestamp":"2026-06-01T00:00:00Z"}
            {"type":"track","userId":"u2","event":"Logged In","messageId":"m2","timestamp":"2026-06-01T00:00:00Z"}
            """, to: folder, name: "events.jsonl")
        let base = MemoryStore()
        let report = try await Importer(store: IndexingFails(base: base), receivedAt: Self.received).run(files: [file])
        #expect(report.stored.inserted == 2)
        #expect(report.indexFailure == "database or disk is full")
        #expect(try await base.statistics().messages == 2)
    }

    @Test func aDuplicateIdWithOtherContentIsKeptInQuarantineNamingTheLineAndTheId() async throws {
        try await withStore { store, folder in
            let first = #"{"type":"track","userId":"u1","event":"Logged In","messageId":"m1"}"#
            let changed = #"{"type":"track","userId":"u1","event":"Logged Out","messageId":"m1"}"#
            let batch =
                #"{"batch":[{"type":"identify","userId":"u2","messageId":"m2"},"#
                + #"{"type":"identify","userId":"u2","traits":{"plan":"pro"},"messageId":"m2"}]}"#
            let file = try write([first, changed, first, batch].joined(separator: "\n"), to: folder, name: "e.jsonl")
            // Blocks of two lines: the conflict of the last block is quarantined after the last append.
            let importer = Importer(store: store, batchSize: 2, receivedAt: Self.received)
            let report = try await importer.run(files: [file])
            #expect(report.stored.inserted == 2)
            #expect(report.stored.duplicates == 3)
            #expect(report.stored.conflicting == 2)
            #expect(report.stored.quarantined == 2)
            #expect(report.quarantinedByReason == ["conflicting_duplicate": 2])
            let kept = try await store.quarantined(limit: 10)
            #expect(kept.map(\.source) == ["\(file):2", "\(file):4"])
            #expect(kept.map(\.index) == [0, 1])
            #expect(kept.map(\.field) == ["messageId", "messageId"])
            #expect(
                kept.map(\.detail) == [
                    "message id m1 is already stored with different content; the stored message is kept",
                    "message id m2 is already stored with different content; the stored message is kept",
                ])
            #expect(kept.map(\.raw) == [Array(changed.utf8), Array(batch.utf8)])
            let again = try await importer.run(files: [file])
            #expect(again.stored.quarantined == 0)
            #expect(again.stored.alreadyQuarantined == 2)
            #expect(try await store.statistics().quarantined == 2)
        }
    }

    @Test func cdnowStyleWhitespaceFile() async throws {
        try await withStore { store, folder in
            // customer_id date number_of_cds dollar_value, as in the CDNOW master file.
            let file = try write(
                """
                00001 19970101  1  11.77
                00002 19970112  1  12.00
                00002 19970112  1  12.00
                00003 19970102  2  20.76
                00003 19970330  2  20.76
                00003 19970231  1   9.99
                """, to: folder, name: "cdnow.txt")
            let importer = Importer(
                store: store,
                delimited: .init(
                    mapping: [
                        "userId=customer_id", "timestamp=date:yyyyMMdd", "event=Order Completed",
                        "properties.revenue=dollar_value", "properties.quantity=number_of_cds",
                    ], columns: ["customer_id", "date", "number_of_cds", "dollar_value"], delimiter: nil, zone: .utc),
                receivedAt: Self.received)
            let report = try await importer.run(files: [file])
            #expect(report.stored.inserted == 5)  // the two identical rows of customer 2 are two purchases
            #expect(report.quarantinedByReason == ["invalid_timestamp": 1])  // 1997-02-31 does not exist
            #expect(report.examples.first?.hasPrefix("\(file):6: invalid_timestamp (timestamp)") == true)
            let two = try #require(try await store.profile(id: "00002", asOf: Self.received))
            #expect(two.eventCounts == ["Order Completed": 2])
            let three = try #require(try await store.profile(id: "00003", asOf: Self.received))
            #expect(three.firstSeen == Instant.parse("1997-01-02T00:00:00Z"))
            #expect(three.lastSeen == Instant.parse("1997-03-30T00:00:00Z"))
            #expect(three.recentEvents.first?.properties == ["revenue": .number(20.76), "quantity": .number(2)])
            let again = try await importer.run(files: [file])
            #expect(again.stored.inserted == 0)
            #expect(again.stored.duplicates == 5)
        }
    }

    @Test func csvWithHeaderQuotesAndLiterals() async throws {
        try await withStore { store, folder in
            let file = try write(
                """
                email,when,plan,note
                ann@x.com,2026-06-01T10:00:00Z,pro,"hello, world"
                bob@x.com,2026-06-02T10:00:00Z,free,"unclosed
                """, to: folder, name: "traits.csv")
            let importer = Importer(
                store: store,
                delimited: .init(
                    mapping: [
                        "userId=email", "timestamp=when", "type=\"identify\"", "traits.plan=plan", "traits.note=note",
                    ],
                    columns: nil, delimiter: nil, zone: .utc),
                receivedAt: Self.received)
            let report = try await importer.run(files: [file])
            #expect(report.stored.inserted == 1)
            #expect(report.quarantinedByReason == ["invalid_row": 1])
            let ann = try #require(try await store.profile(id: "ann@x.com", asOf: Self.received))
            #expect(ann.traits == ["plan": .string("pro"), "note": .string("hello, world")])
        }
    }

    @Test func semicolonsByteOrderMarkFieldCountsAndTraitsOnEventRows() async throws {
        try await withStore { store, folder in
            let file = try write(
                "\u{FEFF}email;when;sku;price;plan\n"
                    + "ann@x.com;2026-06-01T10:00:00Z;A-1;19.99;pro\n"
                    + "bob@x.com;2026-06-02T10:00:00Z;0042;n/a;free\n"
                    + "carl@x.com;2026-06-03T10:00:00Z;B-2;5\n"
                    + "dan@x.com;2026-06-04T10:00:00Z;C-3;1;pro;extra\n", to: folder, name: "orders.csv")
            let importer = Importer(
                store: store,
                delimited: .init(
                    mapping: [
                        "userId=email", "timestamp=when", "event=\"Order Completed\"", "properties.sku=sku",
                        "properties.price=price", "traits.plan=plan",
                    ], columns: nil, delimiter: nil, zone: .utc),
                receivedAt: Self.received)
            let report = try await importer.run(files: [file])
            // Each good row gives an identify with its traits and the event.
            #expect(report.stored.inserted == 4)
            #expect(report.quarantinedByReason == ["invalid_row": 2])
            #expect(
                report.examples == [
                    "\(file):4: invalid_row: the row has 4 fields, the header has 5",
                    "\(file):5: invalid_row: the row has 6 fields, the header has 5",
                ])
            #expect(
                report.readings == [
                    ValueReading(target: "properties.sku", source: "column `sku`", counts: [.text: 2]),
                    ValueReading(target: "properties.price", source: "column `price`", counts: [.number: 1, .text: 1]),
                    ValueReading(target: "traits.plan", source: "column `plan`", counts: [.text: 2]),
                ])
            let ann = try #require(try await store.profile(id: "ann@x.com", asOf: Self.received))
            #expect(ann.traits == ["plan": .string("pro")])
            #expect(ann.eventCounts == ["Order Completed": 1])
            #expect(ann.recentEvents.first?.properties == ["sku": .string("A-1"), "price": .number(19.99)])
            let bob = try #require(try await store.profile(id: "bob@x.com", asOf: Self.received))
            #expect(bob.traits == ["plan": .string("free")])
            #expect(bob.recentEvents.first?.properties == ["sku": .string("0042"), "price": .string("n/a")])
            let again = try await importer.run(files: [file])
            #expect(again.stored.inserted == 0)
            #expect(again.stored.duplicates == 4)
        }
    }

    @Test func filesThatCannotBeReadAsAskedSayWhatToDo() async throws {
        try await withStore { store, folder in
            let csv = try write("id,when\nann,2026-06-01\n", to: folder, name: "people.CSV")
            let importer = Importer(store: store, receivedAt: Self.received)
            let cases = [
                (
                    csv,
                    "\(csv) looks like a delimited file: say which columns hold what with --map, for example "
                        + "--map userId=customer_id --map timestamp=date --map event=\"Order Completed\" "
                        + "(see strata import --help)"
                ),
                (folder.path, "\(folder.path) is a folder: give the files in it, for example \(folder.path)/*.jsonl"),
                (folder.path + "/none.jsonl", "cannot read \(folder.path)/none.jsonl: no such file"),
            ]
            for (path, message) in cases {
                await #expect(throws: ImportError(message)) { try await importer.run(files: [path]) }
            }
            #expect(try await store.statistics().messages == 0)
            #expect(try await store.statistics().quarantined == 0)
        }
    }

    @Test func mappingErrorsNameTheProblem() {
        #expect(throws: ImportError.self) {
            try ColumnMapping(specifications: ["userId=custmer_id"], columns: ["customer_id", "date"])
        }
        do {
            _ = try ColumnMapping(specifications: ["userId=custmer_id"], columns: ["customer_id", "date"])
        } catch {
            #expect(
                error.message
                    == "--map userId=custmer_id: no column `custmer_id` (did you mean `customer_id`?); the columns are customer_id, date"
            )
        }
        do {
            _ = try ColumnMapping(specifications: ["usrId=customer_id"], columns: ["customer_id"])
        } catch {
            #expect(error.message.hasPrefix("--map usrId=customer_id: unknown target `usrId` (did you mean `userId`?)"))
        }
        do {
            _ = try ColumnMapping(specifications: ["timestamp=date"], columns: ["date"])
        } catch {
            #expect(error.message == "--map needs userId=COLUMN or anonymousId=COLUMN to know whose events these are")
        }
    }

    @Test func datePatternsUseTheWorkspaceZone() throws {
        let berlin = try #require(Zone(identifier: "Europe/Berlin"))
        let mapping = try ColumnMapping(
            specifications: ["userId=$1", "timestamp=$2:dd/MM/yyyy HH:mm"], columns: [], zone: berlin)
        var tally = ValueTally()
        let objects = try mapping.objects(row: ["u", "01/07/2026 09:30"], tally: &tally).get()
        #expect(objects.count == 1)
        let object = try #require(objects.first)
        #expect(object["timestamp"] == .string("2026-07-01T07:30:00.000Z"))
        #expect(object["type"] == .string("identify"))
    }
}
