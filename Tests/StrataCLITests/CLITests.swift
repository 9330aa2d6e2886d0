import Foundation
import StrataCore
import StrataRuntime
import StrataStore
import Testing

/// `strata changes` and `strata messages`, run as the built binary on a real workspace.
struct CLITests {
    /// 2026-07-01T00:00:00Z.
    static let t0: Int64 = 1_782_864_000_000

    /// A workspace defining `buyers` and `browsers`, holding four messages (one sent twice) and five
    /// recorded changes: four of `buyers` and one of `gone`, a segment no longer defined. The workspace
    /// is removed with the fixture.
    final class Fixture {
        let root: URL

        deinit {
            try? FileManager.default.removeItem(at: root)
        }

        init() async throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("strata-cli-\(UUID().uuidString)")
            let workspace = try Workspace.create(at: root, name: "cli")
            for (name, event) in [("buyers", "Order Completed"), ("browsers", "Page Viewed")] {
                try "where: did(\"\(event)\")\n".write(
                    to: workspace.segmentsDirectory.appendingPathComponent("\(name).yaml"), atomically: true,
                    encoding: .utf8)
            }
            let store = try Runtime.open(workspace).store
            func track(_ id: String, _ user: String, _ event: String, at seconds: Int64) -> Message {
                Message(
                    kind: .track, messageId: id, userId: user, event: event,
                    properties: event == "Order Completed" ? ["revenue": .number(30)] : [:],
                    timestamp: CLITests.t0 + seconds * 1000, receivedAt: CLITests.t0 + (seconds + 1) * 1000)
            }
            let o1 = track("o1", "ann", "Order Completed", at: 5)
            let p1 = track("p1", "bob", "Page Viewed", at: 60)
            _ = try await store.append([o1, p1, track("o2", "bob", "Order Completed", at: 600)], quarantine: [])
            _ = try await store.append([p1, track("o3", "cid", "Page Viewed", at: 700)], quarantine: [])
            func change(
                _ segment: String, _ profile: String, _ entered: Bool, at seconds: Int64,
                _ cause: MembershipChange.Cause
            ) -> MembershipChange {
                MembershipChange(
                    segment: segment, profile: profile, entered: entered, instant: CLITests.t0 + seconds * 1000,
                    cause: cause)
            }
            try await store.recordChanges(
                [
                    change("buyers", "ann", true, at: 5, .message("o1")),
                    change("buyers", "bob", true, at: 600, .message("o2")),
                ], checkpoint: LiveCheckpoint(sequence: 3, instant: CLITests.t0 + 600_000), recordedAt: CLITests.t0)
            try await store.recordChanges(
                [
                    change("buyers", "ann", false, at: 86_400, .time),
                    change("gone", "cid", true, at: 86_400, .definition),
                    change("buyers", "x,y", true, at: 172_800, .cadence),
                ], checkpoint: LiveCheckpoint(sequence: 4, instant: CLITests.t0 + 172_800_000),
                recordedAt: CLITests.t0)
        }

        /// Runs `strata` with the arguments and `-w` naming the workspace.
        func strata(_ arguments: String...) throws -> Run {
            try Run(arguments + ["-w", root.path])
        }
    }

    /// A finished run of the binary.
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String

        /// Runs the binary with the arguments, in a folder (default: the tests' current folder).
        init(_ arguments: [String], in folder: URL? = nil) throws {
            let child = try Child(arguments, in: folder)
            status = child.wait()
            (stdout, stderr) = (child.stdout, child.stderr)
        }
    }

    /// The `strata` binary the package built, beside the test bundle.
    static var binary: URL {
        #if os(macOS)
            let products = Bundle.allBundles.first { $0.bundlePath.hasSuffix(".xctest") }?.bundleURL
                .deletingLastPathComponent()
            return (products ?? Bundle.main.bundleURL).appendingPathComponent("strata")
        #else
            return Bundle.main.bundleURL.appendingPathComponent("strata")
        #endif
    }

    @Test func versionIsPrinted() throws {
        let run = try Run(["--version"])
        #expect(run.status == 0)
        #expect(run.stdout == StrataVersion.current + "\n")
        #expect(StrataVersion.current.split(separator: ".").count == 3)
    }

    @Test func changesPrintsATable() async throws {
        let fixture = try await Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.root) }
        let run = try fixture.strata("changes", "buyers")
        #expect(run.status == 0)
        #expect(
            run.stdout == """
                instant                   direction  profile  cause
                2026-07-01T00:00:05.000Z  enter      ann      message o1
                2026-07-01T00:10:00.000Z  enter      bob      message o2
                2026-07-02T00:00:00.000Z  exit       ann      time
                2026-07-03T00:00:00.000Z  enter      x,y      cadence

                """)
        #expect(run.stderr == "")
    }

    @Test func changesSinceAnInstantAsCSV() async throws {
        let fixture = try await Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.root) }
        let run = try fixture.strata("changes", "buyers", "--since", "2026-07-01T00:10:00Z", "--format", "csv")
        #expect(run.status == 0)
        #expect(
            run.stdout == """
                id,instant,segment,profile,direction,cause,message_id
                2,2026-07-01T00:10:00.000Z,buyers,bob,enter,message,o2
                3,2026-07-02T00:00:00.000Z,buyers,ann,exit,time,
                5,2026-07-03T00:00:00.000Z,buyers,"x,y",enter,cadence,

                """)
    }

    @Test func changesAsJSONLinesUpToALimit() async throws {
        let fixture = try await Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.root) }
        let buyers = try fixture.strata("changes", "buyers", "--format", "jsonl", "--limit", "2")
        #expect(buyers.status == 0)
        #expect(
            buyers.stdout == """
                {"cause":"message","direction":"enter","id":1,"instant":"2026-07-01T00:00:05.000Z","message_id":"o1","profile":"ann","segment":"buyers"}
                {"cause":"message","direction":"enter","id":2,"instant":"2026-07-01T00:10:00.000Z","message_id":"o2","profile":"bob","segment":"buyers"}

                """)
        // A segment no longer defined still has its recorded changes.
        let gone = try fixture.strata("changes", "gone", "--format", "jsonl")
        #expect(gone.status == 0)
        #expect(
            gone.stdout == """
                {"cause":"definition","direction":"enter","id":4,"instant":"2026-07-02T00:00:00.000Z","message_id":null,"profile":"cid","segment":"gone"}

                """)
    }

    @Test func changesOfAnUnknownOrQuietSegment() async throws {
        let fixture = try await Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.root) }
        let unknown = try fixture.strata("changes", "buyer")
        #expect(unknown.status == 1)
        #expect(unknown.stdout == "")
        #expect(unknown.stderr == "Error: unknown segment `buyer`; did you mean `buyers`?\n")
        let quiet = try fixture.strata("changes", "browsers")
        #expect(quiet.status == 0)
        #expect(quiet.stdout == "")
        #expect(quiet.stderr == "no changes recorded for `browsers`\n")
        let later = try fixture.strata("changes", "gone", "--since", "2026-08-01")
        #expect(later.status == 0)
        #expect(later.stderr == "no changes recorded for `gone` since 2026-08-01T00:00:00.000Z\n")
    }

    @Test(
        "serve refuses a negative number of held messages and an empty listen backlog",
        arguments: [
            ("--held-messages=-5", "--held-messages must be 0 or more, found -5"),
            ("--listen-backlog=0", "--listen-backlog must be 1 or more, found 0"),
        ])
    func serveRefusesBadNumbers(_ option: String, _ error: String) async throws {
        let fixture = try await Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.root) }
        let run = try fixture.strata("serve", "--port", "0", option)
        #expect(run.status == 64)
        #expect(run.stdout == "")
        #expect(run.stderr.hasPrefix("Error: \(error)\n"))
    }

    @Test func serveOnAPortInUseSaysWhatToDo() async throws {
        let fixture = try await Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.root) }
        // Hold a listening socket on a free loopback port.
        let holder = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #expect(holder >= 0)
        defer { close(holder) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let port = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw -> UInt16 in
                #expect(bind(holder, raw, length) == 0)
                #expect(listen(holder, 1) == 0)
                #expect(getsockname(holder, raw, &length) == 0)
                return UInt16(bigEndian: pointer.pointee.sin_port)
            }
        }
        let run = try fixture.strata("serve", "--port", String(port))
        #expect(run.status == 1)
        #expect(
            run.stderr.hasSuffix(
                "Error: port \(port) on 127.0.0.1 is already in use: stop the program that listens there, or choose "
                    + "another port with --port\n"))
        #expect(!run.stderr.contains("CancellationError"))
    }

    @Test func messagesIdsOnlyInArrivalOrder() async throws {
        let fixture = try await Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.root) }
        let run = try fixture.strata("messages", "--ids-only")
        #expect(run.status == 0)
        #expect(run.stdout == "o1\np1\no2\no3\n")  // p1 was sent twice and is stored once
        #expect(try fixture.strata("messages", "--ids-only", "--limit", "2").stdout == "o1\np1\n")
    }

    @Test func messagesAsJSONLines() async throws {
        let fixture = try await Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.root) }
        let run = try fixture.strata("messages", "--limit", "2")
        #expect(run.status == 0)
        #expect(
            run.stdout == """
                {"event":"Order Completed","messageId":"o1","properties":{"revenue":30},"receivedAt":"2026-07-01T00:00:06.000Z","timestamp":"2026-07-01T00:00:05.000Z","type":"track","userId":"ann"}
                {"event":"Page Viewed","messageId":"p1","receivedAt":"2026-07-01T00:01:01.000Z","timestamp":"2026-07-01T00:01:00.000Z","type":"track","userId":"bob"}

                """)
    }

    @Test func aBrokenDefinitionIsReportedAndTheOthersStillEvaluate() async throws {
        let fixture = try await Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.root) }
        try "where: did(\"Order Completed\") and\n".write(
            to: fixture.root.appendingPathComponent("segments/broken.yaml"), atomically: true, encoding: .utf8)
        let error = "segments/broken.yaml:1:34: error: expected a value, found end of input"
        let run = try fixture.strata("run", "--as-of", "2026-07-10")
        #expect(run.status == 1)
        #expect(run.stderr.contains(error))
        #expect(
            run.stderr.contains("definitions with errors are left out (see `strata check`); the others are evaluated"))
        let rows = run.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        #expect(
            rows.map { Array($0.prefix(4)) }.prefix(3) == [
                ["segment", "size", "%", "change"], ["browsers", "2", "66.7%", "new"], ["buyers", "2", "66.7%", "new"],
            ])
        #expect(!run.stdout.contains("broken"))
        let members = try fixture.strata("members", "buyers", "--as-of", "2026-07-10")
        #expect(members.status == 1)
        #expect(members.stdout == "ann\nbob\n")
        #expect(members.stderr.contains(error))
        let broken = try fixture.strata("members", "broken")
        #expect(broken.status == 1)
        #expect(broken.stdout == "")
        #expect(broken.stderr.hasSuffix("Error: segment `broken` has errors: fix them (see `strata check`)\n"))
    }

    @Test func numbersSentAsTextAreWarnedAboutAtCheckAndInExplain() async throws {
        let fixture = try await Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.root) }
        try "where: sum(\"Product Added\", price) > 10\n".write(
            to: fixture.root.appendingPathComponent("segments/big-carts.yaml"), atomically: true, encoding: .utf8)
        let lines = [
            #"{"type":"track","userId":"dee","event":"Product Added","properties":{"price":"19.99"},"messageId":"x1","timestamp":"2026-07-02T00:00:00Z"}"#,
            #"{"type":"track","userId":"dee","event":"Product Added","properties":{"price":5},"messageId":"x2","timestamp":"2026-07-02T00:01:00Z"}"#,
            #"{"type":"track","userId":"eve","event":"Product Added","properties":{"price":"7"},"messageId":"x3","timestamp":"2026-07-02T00:02:00Z"}"#,
            #"{"type":"track","userId":"eve","event":"Product Added","properties":{"sku":"A"},"messageId":"x4","timestamp":"2026-07-02T00:03:00Z"}"#,
        ]
        let file = fixture.root.appendingPathComponent("carts.jsonl")
        try lines.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        #expect(try fixture.strata("import", file.path).status == 0)
        let check = try fixture.strata("check")
        #expect(check.status == 0)
        // Two of the three events carrying a price hold it as text.
        #expect(
            check.stdout.contains(
                "segments/big-carts.yaml:1:8: warning: `price` is text, not a number, in 67% of the \"Product Added\" "
                    + "events that carry it: sum skips them; send numbers as JSON numbers\n"))
        let explain = try fixture.strata("explain", "big-carts", "dee", "--as-of", "2026-07-03")
        #expect(explain.status == 0)
        #expect(explain.stdout.hasPrefix("big-carts: false\n"))
        #expect(
            explain.stdout.hasSuffix(
                "note: `price` is text, not a number, in 1 of the 2 \"Product Added\" events of dee that carry it: "
                    + "sum skips them\n"))
    }
}
