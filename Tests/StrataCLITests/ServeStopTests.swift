import Foundation
import StrataCore
import StrataRuntime
import StrataStore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `strata serve` stopped by SIGTERM while its real-time engine is far behind.
struct ServeStopTests {
    /// A running `strata serve --port 0` and what it wrote to standard error.
    final class Server: Sendable {
        let process: Child

        init(workspace: URL) throws {
            process = try Child(["serve", "--port", "0", "-w", workspace.path])
        }

        /// What the server wrote to standard error so far.
        var stderr: String { process.stderr }

        /// Waits (up to 60 s) for the server to log that its real-time memberships are ready.
        func ready() async throws -> Bool {
            for _ in 0..<600 {
                if stderr.contains("real-time memberships ready") { return true }
                try await Task.sleep(for: .milliseconds(100))
            }
            return false
        }

        /// Sends SIGTERM and waits for the process to end, up to `deadline`; whether it ended.
        func terminate(within deadline: Duration) async throws -> Bool {
            kill(process.pid, SIGTERM)
            let end = ContinuousClock.now + deadline
            while process.isRunning && ContinuousClock.now < end { try await Task.sleep(for: .milliseconds(50)) }
            guard process.isRunning else { return true }
            kill(process.pid, SIGKILL)
            _ = process.wait()
            return false
        }
    }

    @Test("SIGTERM with a long backlog stops within the shutdown bound, and the next start goes on from its checkpoint")
    func boundedStop() async throws {
        let fixture = try await CLITests.Fixture()
        let settings = fixture.root.appendingPathComponent(Workspace.fileName)
        try (try String(contentsOf: settings, encoding: .utf8) + "server:\n  shutdown_timeout: 3\n").write(
            to: settings, atomically: true, encoding: .utf8)
        let workspace = try Workspace(root: fixture.root)
        let first = try Server(workspace: fixture.root)
        #expect(try await first.ready())
        // 300,000 orders of five profiles, stored behind the server's back: a backlog of many seconds
        // (a quiet machine takes 60,000 in about 2 s, and the services stopped before the engine's
        // give it up to a few seconds more before it is told to stop).
        let store = try Runtime.open(workspace).store
        let backlog = (0..<300_000).map { index in
            Message(
                kind: .track, messageId: "b\(index)", userId: "hot-\(index % 5)", event: "Order Completed",
                receivedAt: CLITests.t0 + 1_000_000)
        }
        _ = try await store.append(backlog, quarantine: [])
        // A moment for the engine to start on them, far less than it needs for all of them (a quiet
        // machine took them all within 2 s).
        try await Task.sleep(for: .milliseconds(200))
        // Three times the bound: a stop that waited for the whole backlog would take far longer.
        #expect(try await first.terminate(within: .seconds(9)))
        #expect(first.process.exited)
        #expect(try store.lastSequence() == 300_004)

        // The next start takes the messages after the checkpoint the stop saved; it is stopped as soon
        // as it has taken some, the same way.
        let stopped = try #require(try await store.liveCheckpoint()).sequence
        #expect(stopped < 300_004)
        let second = try Server(workspace: fixture.root)
        #expect(try await second.ready())
        var checkpoint = stopped
        for _ in 0..<600 where checkpoint <= stopped {
            try await Task.sleep(for: .milliseconds(100))
            checkpoint = try #require(try await store.liveCheckpoint()).sequence
        }
        #expect(checkpoint > stopped)
        #expect(try await store.liveMembers()["buyers"]?.isSuperset(of: (0..<5).map { "hot-\($0)" }) == true)
        #expect(try await second.terminate(within: .seconds(9)))
    }
}
