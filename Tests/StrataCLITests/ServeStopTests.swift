import Foundation
import StrataCore
import StrataRuntime
import StrataStore
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `strata serve` stopped by SIGTERM while its real-time engine is far behind.
struct ServeStopTests {
    /// A running `strata serve --port 0` and what it wrote to standard error.
    final class Server: Sendable {
        let process: Process
        private let errors = Mutex("")

        init(workspace: URL) throws {
            process = Process()
            process.executableURL = CLITests.binary
            process.arguments = ["serve", "--port", "0", "-w", workspace.path]
            let pipe = Pipe()
            process.standardError = pipe
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            let reading = pipe.fileHandleForReading
            Thread.detachNewThread { [self] in
                while case let data = reading.availableData, !data.isEmpty {
                    errors.withLock { $0 += String(decoding: data, as: UTF8.self) }
                }
            }
        }

        /// What the server wrote to standard error so far.
        var stderr: String { errors.withLock { $0 } }

        /// The port the server listens on, once it says (up to 60 s).
        func port() async throws -> Int? {
            for _ in 0..<600 {
                if let line = stderr.split(separator: "\n").first(where: { $0.contains("listening on http://") }),
                    let port = line.split(separator: ":").last.flatMap({ Int($0) })
                {
                    return port
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            return nil
        }

        /// Sends SIGTERM and waits for the process to end, up to `deadline`; whether it ended.
        func terminate(within deadline: Duration) async throws -> Bool {
            kill(process.processIdentifier, SIGTERM)
            let end = ContinuousClock.now + deadline
            while process.isRunning && ContinuousClock.now < end { try await Task.sleep(for: .milliseconds(50)) }
            guard process.isRunning else { return true }
            kill(process.processIdentifier, SIGKILL)
            return false
        }
    }

    /// The status line of `GET path` on a loopback port, or nil when the connection fails.
    static func status(port: Int, path: String) -> String? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { return nil }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var bytes = [UInt8](repeating: 0, count: 256)
        let count = recv(fd, &bytes, bytes.count, 0)
        guard count > 0 else { return nil }
        return String(decoding: bytes[0..<count], as: UTF8.self).split(separator: "\r\n").first.map(String.init)
    }

    /// Waits (up to 60 s) for `GET /ready` to answer 200.
    static func ready(port: Int) async throws -> Bool {
        for _ in 0..<600 {
            if status(port: port, path: "/ready") == "HTTP/1.1 200 OK" { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    @Test("SIGTERM with a long backlog stops within the shutdown bound, and the next start takes the rest")
    func boundedStop() async throws {
        let fixture = try await CLITests.Fixture()
        let settings = fixture.root.appendingPathComponent(Workspace.fileName)
        try (try String(contentsOf: settings, encoding: .utf8) + "server:\n  shutdown_timeout: 3\n").write(
            to: settings, atomically: true, encoding: .utf8)
        let workspace = try Workspace(root: fixture.root)
        let first = try Server(workspace: fixture.root)
        let port = try #require(try await first.port())
        #expect(try await Self.ready(port: port))
        // 60,000 orders of five profiles, stored behind the server's back: a backlog of many seconds.
        let store = try Runtime.open(workspace).store
        let backlog = (0..<60_000).map { index in
            Message(
                kind: .track, messageId: "b\(index)", userId: "hot-\(index % 5)", event: "Order Completed",
                receivedAt: CLITests.t0 + 1_000_000)
        }
        _ = try await store.append(backlog, quarantine: [])
        try await Task.sleep(for: .seconds(2))
        // Three times the bound: a stop that waited for the whole backlog would take far longer.
        #expect(try await first.terminate(within: .seconds(9)))
        #expect(first.process.terminationReason == .exit)
        #expect(try store.lastSequence() == 60_004)

        // The next start takes the messages after the checkpoint the stop saved.
        let second = try Server(workspace: fixture.root)
        let again = try #require(try await second.port())
        #expect(try await Self.ready(port: again))
        var checkpoint: Int64?
        for _ in 0..<1200 where checkpoint != 60_004 {
            checkpoint = try await store.liveCheckpoint()?.sequence
            if checkpoint != 60_004 { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(checkpoint == 60_004)
        #expect(try await store.liveMembers()["buyers"]?.isSuperset(of: (0..<5).map { "hot-\($0)" }) == true)
        #expect(try await second.terminate(within: .seconds(9)))
    }
}
