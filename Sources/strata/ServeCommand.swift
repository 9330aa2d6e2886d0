import ArgumentParser
import Foundation
import Logging
import StrataCore
import StrataEngine
import StrataRuntime
import StrataServer

/// `strata serve`: runs the ingestion and management HTTP server until SIGTERM or SIGINT.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the HTTP server: Segment and PostHog ingestion, and the management API under /api/v1.",
        discussion: """
            Create keys first with `strata keys create`. Memberships of `refresh: realtime` segments are kept \
            current as messages arrive and as time passes; every enter and exit is recorded (`strata changes`) \
            and streamed at /api/v1/changes/stream. SIGTERM and SIGINT stop the server gracefully: requests in \
            flight finish and their messages are committed, within `shutdown_timeout` (`server:` in strata.yaml, \
            with the server's other limits). Set LOG_LEVEL=debug for a line per request.
            """)

    @OptionGroup var workspaceOptions: WorkspaceOptions

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on (0 picks a free one).")
    var port = 8080

    @Flag(help: "Apply edited definition files (segments/, scores/, ...) as soon as they are saved.")
    var watch = false

    @Option(
        help: ArgumentHelp(
            "The most messages the real-time engine holds in memory, staged (about 180 bytes each).",
            discussion:
                "Profiles whose messages are not held are read from the store when a message or time moves them."))
    var heldMessages = LiveEngine.defaultCapacity

    @Option(
        help: ArgumentHelp(
            "The fewest messages a profile holds for the real-time engine to evaluate it apart (none by default).",
            discussion:
                "Such a profile's messages are evaluated together at most every 250 ms, on another core, "
                + "so that it does not hold back the changes of the others. After a kill, the changes of its "
                + "evaluations still waiting are recorded at the restart with cause definition."))
    var heavyMessages: Int?

    @Option(
        help: ArgumentHelp(
            "The most connections the system queues for the server to accept.",
            discussion:
                "The system lowers it to its own bound (net.core.somaxconn on Linux). A larger queue lets a new "
                + "client in while many others connect at once; each waits its turn to be accepted."))
    var listenBacklog = Server.Configuration().listenBacklog

    func validate() throws {
        guard heldMessages >= 0 else {
            throw ValidationError("--held-messages must be 0 or more, found \(heldMessages)")
        }
        if let heavyMessages, heavyMessages < 1 {
            throw ValidationError("--heavy-messages must be 1 or more, found \(heavyMessages)")
        }
        guard listenBacklog >= 1 else {
            throw ValidationError("--listen-backlog must be 1 or more, found \(listenBacklog)")
        }
    }

    func run() async throws {
        Heap.shareArenas()
        let runtime = try openRuntime(try workspaceOptions.load())
        var logger = Logger(label: "strata.server")
        logger.logLevel =
            ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) } ?? .info
        do {
            try await Server.run(
                runtime: runtime,
                configuration: Server.Configuration(
                    host: host, port: port, watch: watch, heldMessages: heldMessages, heavyMessages: heavyMessages,
                    listenBacklog: listenBacklog),
                logger: logger
            ) { port in
                printError("strata: listening on http://\(host):\(port)")
            }
        } catch let error as Server.StartError {
            throw CommandError(error.description)
        }
    }
}
