import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import ServiceLifecycle
import StrataActivation
import StrataCore
import StrataDashboard
import StrataEngine
import StrataRuntime
import StrataStore
import UnixSignals

/// `strata serve`: the HTTP service apps send events to, the management API, and the activation
/// outbox that acts on membership changes.
public enum Server {
    /// Where the server listens and the limits it enforces.
    public struct Configuration: Sendable {
        /// The address to bind.
        public var host: String
        /// The port to bind (0 picks a free one).
        public var port: Int
        /// The largest request body, after inflating (Segment's batch limit).
        public var maxRequestBytes: Int
        /// How long an evaluation of the segments is reused when nothing changed (windows move with time).
        public var maxEvaluationAge: Duration
        /// The current instant in milliseconds: the receipt time of messages and the evaluation instant.
        public var clock: @Sendable () -> Int64
        /// Whether edited definition files take effect without a request (`strata serve --watch`).
        public var watch: Bool
        /// The most messages the real-time engine holds in memory.
        public var heldMessages: Int
        /// The fewest messages a cluster holds for the real-time engine to evaluate it apart from the
        /// other clusters' messages (``LiveEngine/heavyThreshold``); nil (the default) for none.
        public var heavyMessages: Int?
        /// The least time between two evaluations of one heavy cluster's messages
        /// (``LiveEngine/heavyInterval``).
        public var heavyInterval: Duration
        /// How long a read of memberships waits for the real-time memberships to be ready (while the
        /// server starts) before it answers 503.
        public var readyWait: Duration
        /// How long the activation outbox sleeps at most between looks at the delivery log.
        public var activationPoll: Duration
        /// The most connections the system queues for the server to accept (`listen`'s backlog; the
        /// system lowers it to its own bound, `net.core.somaxconn` on Linux).
        public var listenBacklog: Int
        /// With `store: clickhouse`, how long a cadence recomputation or a report of the API waits for the
        /// background shipping to hold every message stored by its instant before it fails (a
        /// recomputation is tried again a minute later).
        public var cadenceShippingWait: Duration

        /// A configuration; by default loopback port 8080, 500 KB requests, one-minute evaluations,
        /// the system clock, definition files read again only after a change through the API, 4,096
        /// connections queued to be accepted, and cadence recomputations on ClickHouse waiting 30 s at
        /// most for the shipping.
        public init(
            host: String = "127.0.0.1", port: Int = 8080, maxRequestBytes: Int = 500 * 1024,
            maxEvaluationAge: Duration = .seconds(60),
            clock: @escaping @Sendable () -> Int64 = { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) },
            watch: Bool = false, heldMessages: Int = LiveEngine.defaultCapacity,
            heavyMessages: Int? = nil, heavyInterval: Duration = .milliseconds(250),
            readyWait: Duration = .seconds(10), activationPoll: Duration = .seconds(1), listenBacklog: Int = 4096,
            cadenceShippingWait: Duration = .seconds(30)
        ) {
            self.host = host
            self.port = port
            self.maxRequestBytes = maxRequestBytes
            self.maxEvaluationAge = maxEvaluationAge
            self.clock = clock
            self.watch = watch
            self.heldMessages = heldMessages
            self.heavyMessages = heavyMessages
            self.heavyInterval = heavyInterval
            self.readyWait = readyWait
            self.activationPoll = activationPoll
            self.listenBacklog = listenBacklog
            self.cadenceShippingWait = cadenceShippingWait
        }
    }

    /// The routes of the API the server answers, as `METHOD /path` with `{parameter}` placeholders (the
    /// OpenAPI document lists the same; ``pageRoutes`` are the dashboard's).
    public static let routes: [String] =
        Ingestion.segmentRoutes.map { "POST /v1/\($0.path)" } + ["POST /batch/", "POST /i/v1/analytics/events"]
        + Ingestion.paths.map { "OPTIONS /\($0)" } + [
            "GET /health", "GET /ready", "GET /api/v1/health",
            "GET /api/v1/metrics",
            "GET /api/v1/segments", "GET /api/v1/segments/{name}", "PUT /api/v1/segments/{name}",
            "DELETE /api/v1/segments/{name}", "GET /api/v1/segments/{name}/members", "GET /api/v1/profiles/{id}",
            "DELETE /api/v1/profiles/{id}",
            "GET /api/v1/profiles/{id}/explain/{segment}", "GET /api/v1/segments/{name}/changes",
            "GET /api/v1/changes/stream", "GET /api/v1/activations", "GET /api/v1/activations/{name}",
            "GET /api/v1/deliveries", "POST /api/v1/deliveries/{id}/retry", "GET /u/{token}", "POST /u/{token}",
            "GET /t/o/{token}", "GET /t/c/{token}", "GET /api/v1/reports/{kind}", "GET /api/v1/quarantine",
        ]
        // The reports that need a parameter, which the document describes as paths of their own so that it
        // can require it; the `{kind}` route answers them.
        + ["conversion", "sizes", "funnel", "lift"].map { "GET /api/v1/reports/\($0)" }

    /// The dashboard's pages and assets, for people in a browser rather than programs: outside the
    /// OpenAPI document.
    public static let pageRoutes: [String] = Dashboard.routes

    /// Runs the server until SIGTERM or SIGINT, then stops gracefully: in-flight requests finish and
    /// their commits complete, and the real-time engine saves its checkpoint where it got to. A stop
    /// that takes longer than the workspace's `shutdown_timeout` is cut short: what was committed stays,
    /// and the engine takes the messages after its last checkpoint at the next start.
    /// `onServerRunning` receives the bound port.
    public static func run(
        runtime: Runtime, configuration: Configuration, logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void
    ) async throws {
        let shipping: ClickHouseShipping?
        do {
            shipping = try runtime.clickHouseShipping(clock: configuration.clock, logger: logger)
        } catch {
            throw StartError(error.description)
        }
        let app = application(
            runtime: runtime, configuration: configuration, logger: logger, shipping: shipping,
            onServerRunning: onServerRunning)
        var group = ServiceGroupConfiguration(
            services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        group.maximumGracefulShutdownDuration = runtime.workspace.config.server.shutdownTimeout
        do {
            try await ServiceGroup(configuration: group).run()
        } catch let error as IOError where error.errnoCode == EADDRINUSE {
            throw StartError(
                "port \(configuration.port) on \(configuration.host) is already in use: stop the program that "
                    + "listens there, or choose another port with --port")
        } catch let error as IOError where error.errnoCode == EACCES {
            throw StartError(
                "not allowed to listen on port \(configuration.port): ports below 1024 need privileges; "
                    + "choose a port from 1024 up with --port")
        }
    }

    /// Why the server could not start, as a sentence that says what to do.
    public struct StartError: Error, CustomStringConvertible {
        public let description: String

        init(_ description: String) { self.description = description }
    }

    /// Builds the application over a workspace's runtime (``run(runtime:configuration:logger:onServerRunning:)``
    /// runs it; tests drive it through Hummingbird's testing client). The origins the tracking routes
    /// answer come from the workspace's `cors_origins`. With `shipping`, the stored messages are shipped
    /// to ClickHouse in the background, its lag in the metrics and in `GET /ready`, and cadence segments
    /// are recomputed inside ClickHouse (``ClickHouseCadence``).
    public static func application(
        runtime: Runtime, configuration: Configuration = Configuration(),
        logger: Logger = Logger(label: "strata.server"), shipping: ClickHouseShipping? = nil,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let metrics = Metrics()
        let keys = KeyRing(store: runtime.store)
        let workbench = Workbench(runtime: runtime, metrics: metrics, configuration: configuration, logger: logger)
        // With `store: clickhouse`, cadence segments are recomputed there, as `strata run` evaluates them.
        let cadence: any CadenceEvaluator =
            shipping.map {
                ClickHouseCadence(
                    workbench: workbench, shipping: $0, clock: configuration.clock,
                    wait: configuration.cadenceShippingWait)
            } ?? workbench
        let live = LiveService(
            runtime: runtime, workbench: workbench, cadenceEvaluator: cadence, metrics: metrics,
            configuration: configuration, logger: logger)
        let limits = runtime.workspace.config.server
        let memberships = Memberships(
            live: live, workbench: workbench, readyWait: configuration.readyWait, readWait: limits.readWait,
            clock: configuration.clock)
        let activations = ActivationContext(runtime: runtime)
        let outbox = Outbox(
            store: runtime.store, feed: live.feed,
            definitions: { await activations.current().map { ($0.settings, $0.session) } },
            root: runtime.workspace.root,
            configuration: Outbox.Configuration(clock: configuration.clock, poll: configuration.activationPoll),
            logger: logger)
        let commits = GroupCommit(store: runtime.store) {
            live.messagesStored()
            shipping?.stored(through: live.backlog.stored)
            await workbench.invalidate()
        }
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: MetricsMiddleware(metrics: metrics))
        let routeMethods = RouteMethods()
        router.add(middleware: ErrorMiddleware(routes: routeMethods))
        router.add(middleware: EmptySegmentMiddleware())
        Probes(live: live, shipping: shipping).register(on: router)
        Ingestion(
            keys: keys, commits: commits, metrics: metrics, configuration: configuration, limits: limits,
            backlog: live.backlog, quota: QuarantineQuota(perMinute: limits.maxQuarantinePerKeyPerMinute),
            corsOrigins: runtime.workspace.config.corsOrigins
        ).register(on: router)
        ManagementAPI(
            workbench: workbench, memberships: memberships, live: live, keys: keys, metrics: metrics,
            configuration: configuration, shipping: shipping
        ).register(on: router)
        ActivationAPI(
            runtime: runtime, context: activations, outbox: outbox, keys: keys, configuration: configuration
        ).register(on: router)
        // With `store: clickhouse`, reports wait for the background shipping: one shipper per process.
        let clickHouse = shipping.map { ClickHouseAccess.shipped($0, within: configuration.cadenceShippingWait) }
        ReportAPI(workbench: workbench, keys: keys, configuration: configuration, clickHouse: clickHouse)
            .register(on: router)
        MailLinkRoutes(store: runtime.store, commits: commits, clock: configuration.clock).register(on: router)
        Dashboard(
            workbench: workbench, memberships: memberships, live: live, activations: activations, keys: keys,
            configuration: configuration, clickHouse: clickHouse,
            parts: Dashboard.Parts(
                secretURL: runtime.workspace.databaseURL.deletingLastPathComponent().appendingPathComponent(
                    SessionSecret.fileName))
        ).register(on: router)
        routeMethods.learn(router)
        let open = OpenConnections(limit: limits.maxConnections)
        return Application(
            router: router,
            server: .http1(
                configuration: HTTP1Channel.Configuration(
                    additionalChannelHandlers: [ConnectionGuard(limits: limits, open: open, metrics: metrics)])),
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.host, port: configuration.port), serverName: "strata",
                backlog: configuration.listenBacklog),
            services: [live, outbox, HeapTrimmer()] + (shipping.map { [ShippingService(shipping: $0)] } ?? []),
            onServerRunning: { channel in
                await keys.warnOfMissingKinds(workspace: runtime.workspace.root, logger: logger)
                await onServerRunning(channel.localAddress?.port ?? configuration.port)
            },
            logger: logger)
    }
}
