import Foundation
import StrataCore
import StrataRuntime
import StrataStore
import Testing

/// `strata health` over a workspace with a segment its store cannot evaluate (with `store: clickhouse`,
/// one outside the SQL subset): that segment is left out with the reason, the others are checked as if
/// it were not defined.
@Suite struct HealthLeftOutTests {
    @Test func aSegmentOutsideTheSubsetIsNotEvaluatedAndSaysWhy() async throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let created = try Workspace.create(at: folder.appendingPathComponent("shop"))
        let config = created.root.appendingPathComponent("strata.yaml")
        let text = try String(contentsOf: config, encoding: .utf8)
        // Nothing listens on port 9: nothing here reaches ClickHouse (the members are the embedded engine's).
        try text.replacingOccurrences(
            of: "store: sqlite\n", with: "store: clickhouse\nclickhouse:\n  url: http://127.0.0.1:9\n"
        )
        .write(to: config, atomically: true, encoding: .utf8)
        let files = [
            "segments/pingers.yaml": "where: did(\"Ping\")\n",
            "segments/parisians.yaml": "where: trait.address.city = \"Paris\"\n",
        ]
        for (path, body) in files {
            try body.write(to: created.root.appendingPathComponent(path), atomically: true, encoding: .utf8)
        }
        let runtime = try Runtime.open(try Workspace(root: created.root))
        _ = try await runtime.store.append(
            [
                Message(
                    kind: .track, messageId: "m1", userId: "ann", event: "Ping", timestamp: 1_000, receivedAt: 1_000),
                Message(
                    kind: .track, messageId: "m2", userId: "bob", event: "Pong", timestamp: 2_000, receivedAt: 2_000),
            ], quarantine: [])
        // Without leaving the broken segment out, the session fails as before.
        await #expect(throws: SessionError.self) { try await runtime.session() }
        let session = try await runtime.session(leavingOutBroken: true)
        #expect(Array(session.brokenSegments.keys) == ["parisians"])
        let table = try await session.health(segments: [], asOf: 10_000)
        let rows = table.rows.map { row in
            row.map { cell -> String in
                switch cell {
                case .string(let text): text
                case .number(let number): String(number)
                default: "?"
                }
            }
        }
        // parisians: only why it is not evaluated. pingers (ann of ann and bob): 1 member, under the
        // default min_size of 200; no activation, no `reviewed:`; the workspace's share of activated
        // segments 0 of 1 (parisians is not counted).
        #expect(rows.count == 5)
        #expect(rows.first?.prefix(4) == ["not-evaluated", "parisians", "0.0", "0.0"])
        let message = rows.first?.last ?? ""
        #expect(message.hasPrefix("left out, not evaluated: segments/parisians.yaml:1:"))
        #expect(
            message.hasSuffix(
                "error: a nested trait path (trait.address.city) is not supported on ClickHouse yet (store: clickhouse)"
            ))
        #expect(
            rows.dropFirst().map { Array($0.prefix(4)) } == [
                ["too-small", "pingers", "1.0", "200.0"],
                ["not-activated", "pingers", "0.0", "1.0"],
                ["review-overdue", "pingers", "0.0", "90.0"],
                ["not-activated", "", "0.0", "0.8"],
            ])
        // Named, it is left out all the same.
        let named = try await session.health(segments: ["parisians"], asOf: 10_000)
        #expect(named.rows.count == 2)
        #expect(named.rows.first?.first == .string("not-evaluated"))
    }
}
