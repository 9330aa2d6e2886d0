import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import StrataCore
import StrataEngine
import StrataRuntime
import StrataServer
import StrataStore
import Synchronization

/// A clock that stands still until a test moves it.
final class TestClock: Sendable {
    private let instant: Mutex<Int64>

    init(_ instant: Int64) { self.instant = Mutex(instant) }

    /// The current instant (ms).
    var now: Int64 { instant.withLock { $0 } }

    /// Moves the clock forward.
    func advance(by milliseconds: Int64) { instant.withLock { $0 += milliseconds } }
}

/// The stores a server test can run against.
enum Backend: String, CaseIterable, Sendable {
    /// The workspace's SQLite database, as `strata serve` opens it.
    case sqlite
    /// A ``MemoryStore``; the live engine's snapshot is still a file beside the workspace's database path.
    case memory
}

/// A fresh workspace with a write and an admin key, and the real application over it on loopback. The
/// workspace is removed when the last reference to the harness goes.
final class Harness: Sendable {
    /// The instant the server's clock reads: 2026-07-01T00:00:00Z.
    static let now: Int64 = 1_782_864_000_000

    let workspace: Workspace
    let store: any Store
    let writeKey: String
    let adminKey: String
    /// The server's clock, which tests move by hand.
    let clock = TestClock(now)

    /// The `server:` settings of every harness unless a test sets them: reads wait for the engine long
    /// enough to see the writes before them on a busy machine.
    static let serverDefaults = ["read_wait": "30"]

    /// A fresh workspace whose store is of `backend`, with `settings` added to its strata.yaml and
    /// `server` over ``serverDefaults`` as its `server:` settings.
    init(backend: Backend = .sqlite, settings: String = "", server: [String: String] = [:]) async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("strata-server-\(UUID().uuidString)")
        let created = try Workspace.create(at: root, name: "test")
        let file = root.appendingPathComponent(Workspace.fileName)
        let limits = Self.serverDefaults.merging(server) { _, set in set }.sorted { $0.key < $1.key }
        let block = "server:\n" + limits.map { "  \($0.key): \($0.value)\n" }.joined()
        try (try String(contentsOf: file, encoding: .utf8) + block + settings).write(
            to: file, atomically: true, encoding: .utf8)
        workspace = try Workspace(root: created.root)
        switch backend {
        case .sqlite:
            store = try Runtime.open(workspace).store
        case .memory:
            // The folder the live engine writes its snapshot to, beside where the database would be.
            try FileManager.default.createDirectory(
                at: workspace.databaseURL.deletingLastPathComponent(), withIntermediateDirectories: true)
            store = MemoryStore()
        }
        let keys = KeyRing(store: store)
        writeKey = try await keys.create(kind: .write, at: Self.now).secret
        adminKey = try await keys.create(kind: .admin, at: Self.now).secret
    }

    deinit {
        try? FileManager.default.removeItem(at: workspace.root)
    }

    /// Writes a definition file into the workspace, making its folder if there is none.
    func write(_ text: String, to path: String) throws {
        let url = workspace.root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    /// Runs a test against the live server, whose engine evaluates clusters of at least `heavyMessages`
    /// messages apart.
    func run(
        logger: Logger = Logger(label: "strata.server"), heavyMessages: Int? = nil,
        _ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        let app = Server.application(
            runtime: Runtime(workspace: workspace, store: store),
            configuration: Server.Configuration(
                port: 0, maxEvaluationAge: .seconds(3600), clock: { [clock] in clock.now },
                heavyMessages: heavyMessages),
            logger: logger)
        try await app.test(.live, test)
    }

    /// Headers carrying the write key as Segment sends it: the HTTP Basic user with an empty password.
    var basic: HTTPFields {
        [
            .authorization: "Basic " + Data((writeKey + ":").utf8).base64EncodedString(),
            .contentType: "application/json",
        ]
    }

    /// Headers carrying a key as a Bearer token.
    func bearer(_ key: String) -> HTTPFields {
        [.authorization: "Bearer \(key)", .contentType: "application/json"]
    }
}

extension TestResponse {
    /// The body parsed as JSON (null when it is not JSON).
    var json: JSONValue {
        (try? JSONParser.parse(Array(body.readableBytesView))) ?? .null
    }

    /// The body as text.
    var text: String { String(buffer: body) }

    /// The `Strata-Current-To` header: the instant the memberships read are current to.
    var currentTo: String? { headers.first { $0.name.canonicalName == "strata-current-to" }?.value }
}

extension JSONValue {
    /// The member of an object, or nil.
    subscript(key: String) -> JSONValue? { objectValue?[key] }

    /// The elements of an array, or nil.
    var arrayValue: [JSONValue]? {
        guard case .array(let items) = self else { return nil }
        return items
    }

    /// The element of an array, or nil.
    subscript(index: Int) -> JSONValue? {
        guard case .array(let items) = self, items.indices.contains(index) else { return nil }
        return items[index]
    }
}
