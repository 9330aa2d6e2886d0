import Foundation
import StrataCore
import StrataRuntime
import StrataStore
import Testing

/// `strata import` of bad lines, then `strata quarantine` list, export and retry, as the built binary.
struct QuarantineCommandTests {
    @Test func badLinesAreListedExportedCorrectedAndRetried() async throws {
        let fixture = try await CLITests.Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.root) }
        let file = fixture.root.appendingPathComponent("late.jsonl")
        try """
        {"type":"track","userId":"dee","event":"Order Completed","messageId":"q1","timestamp":"yesterday"}
        not json
        {"type":"track","userId":"ann","event":"Page Viewed","messageId":"o1"}
        """.write(to: file, atomically: true, encoding: .utf8)
        let imported = try fixture.strata("import", file.path)
        #expect(imported.status == 0)
        #expect(imported.stdout.contains("  quarantined  3\n"))
        #expect(imported.stdout.contains("    \(file.path):3: conflicting_duplicate (messageId): message id o1"))
        // A second import quarantines nothing again.
        #expect(
            try fixture.strata("import", file.path).stdout.contains("  quarantined  0 (and 3 already in quarantine)\n"))

        let list = try fixture.strata("quarantine", "--reason", "invalid_timestamp")
        #expect(list.status == 0)
        let lines = list.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.first == "3 quarantined message(s)")
        #expect(
            lines.contains { $0.hasPrefix("1   ") && $0.contains("\(file.path):1") && $0.contains("invalid_timestamp") }
        )
        #expect(!list.stdout.contains("not json"))

        let exported = fixture.root.appendingPathComponent("quarantine.jsonl")
        #expect(try fixture.strata("quarantine", "export", "--output", exported.path).status == 0)
        let text = try String(contentsOf: exported, encoding: .utf8)
        #expect(text.split(separator: "\n").count == 3)
        // Correct the timestamp of entry 1 and keep only its line; entry 2 stays as it was.
        let corrected = try #require(text.split(separator: "\n").first { $0.contains("\"id\":1,") })
            .replacingOccurrences(of: "\"timestamp\":\"yesterday\"", with: "\"timestamp\":\"2026-07-02T00:00:00Z\"")
        try (corrected + "\n").write(to: exported, atomically: true, encoding: .utf8)
        let retried = try fixture.strata("quarantine", "retry", exported.path)
        #expect(retried.status == 0)
        #expect(
            retried.stdout
                == "Retried 1 message(s): 1 left the quarantine (1 stored now), 0 still refused, 0 with an id stored with other content\n"
        )
        #expect(try fixture.strata("messages", "--ids-only").stdout == "o1\np1\no2\no3\nq1\n")
        // Retrying the kept bytes as they are leaves the two that are still wrong.
        let again = try fixture.strata("quarantine", "retry")
        #expect(
            again.stdout.hasPrefix(
                "Retried 2 message(s): 0 left the quarantine (0 stored now), 1 still refused, 1 with an id stored with other content\n  2: invalid_json: "
            ))
        let bad = try fixture.strata("quarantine", "retry", file.path)
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("\(file.path):1: the line has no `id` of a quarantine entry"))
    }
}
