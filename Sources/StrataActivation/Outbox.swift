import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import ServiceLifecycle
import StrataCore
import StrataLanguage
import StrataStore
import Synchronization

/// The activation outbox of `strata serve`: turns recorded membership changes into delivery records
/// (with the change feed's cursor, in one transaction), decides them when due, and sends them through
/// each destination's lane, retrying on the destination's schedule. Every record is written before
/// anything is sent and a send is marked `sending` before it starts, so a crash loses nothing and
/// repeats only sends that may not have finished, with the same delivery id.
///
/// A send marked `sending` is leased: its next instant moves a day ahead, so the rounds that follow do
/// not meet it again while it is in flight, and a round takes only work not yet started. The next
/// start of an outbox makes what a stopped one left `sending` due at once.
public final class Outbox: Service, Sendable {
    /// How far a send's next instant moves ahead as it starts (ms): its result is written long before.
    static let lease: Int64 = 86_400_000

    /// How the outbox runs.
    public struct Configuration: Sendable {
        /// The current instant (ms): decisions, due instants, retries and signatures read it.
        public var clock: @Sendable () -> Int64
        /// How long the dispatcher sleeps at most between looks at the delivery log.
        public var poll: Duration
        /// The most deliveries taken in one round.
        public var roundSize: Int
        /// The change feed consumer whose cursor the outbox keeps.
        public var consumer: String

        /// A configuration; by default the system clock, a look every second, rounds of 1,000.
        public init(
            clock: @escaping @Sendable () -> Int64 = { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) },
            poll: Duration = .seconds(1), roundSize: Int = 1_000, consumer: String = "activations"
        ) {
            self.clock = clock
            self.poll = poll
            self.roundSize = roundSize
            self.consumer = consumer
        }
    }

    /// One destination's sender and lane, kept while its file is unchanged.
    private struct Route: Sendable {
        var fingerprint: String
        var sender: any Sender
        var lane: Lane
    }

    private let store: any DeliveryStore & ChangeLog & SuppressionStore
    private let feed: ChangeFeed
    private let definitions: @Sendable () async -> (settings: ActivationSettings, reader: any ProfileReader)?
    private let root: URL
    private let configuration: Configuration
    private let logger: Logger
    private let client: HTTPClient
    private let dispatcherBell = Doorbell()
    private let flusherBell = Doorbell()
    /// Deliveries being sent now: a round skips them, should one outlive its lease.
    private let inFlight = Mutex<Set<Int64>>([])
    /// Finished attempts waiting to be written.
    private let finished = Mutex<[Delivery]>([])
    private let routes = Mutex<[String: Route]>([:])
    /// When the trigger last saved its cursor.
    private let cursorSaved = Mutex<ContinuousClock.Instant?>(nil)
    /// The signer of mail links, once the store's key is read.
    private let links = Mutex<MailLinks?>(nil)

    /// An outbox over a store and the change feed.
    ///
    /// - Parameters:
    ///   - definitions: the current activations, destinations and rules, with the reader of profiles
    ///     that evaluates `when` conditions under them; nil while the definitions have errors.
    ///   - root: the workspace's folder (file destinations write under it).
    public init(
        store: any DeliveryStore & ChangeLog & SuppressionStore, feed: ChangeFeed,
        definitions: @escaping @Sendable () async -> (settings: ActivationSettings, reader: any ProfileReader)?,
        root: URL, configuration: Configuration = Configuration(), logger: Logger
    ) {
        self.store = store
        self.feed = feed
        self.definitions = definitions
        self.root = root
        self.configuration = configuration
        self.logger = logger
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: Self.httpConfiguration)
    }

    /// The HTTP client's settings: a failed connection is a failed attempt at once (the destination's
    /// retries decide when to try again), redirects are not followed (a 3xx fails the delivery), and up
    /// to 256 connections per host, the most a destination's `concurrency` allows.
    static var httpConfiguration: HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 256
        configuration.redirectConfiguration = .disallow
        configuration.timeout.connect = .seconds(10)
        return configuration
    }

    /// Runs until the service group shuts down: the trigger, the dispatcher and the writer of results.
    /// A failing part (a store error, say) is logged and tried again after a pause, so the outbox never
    /// takes the server down; a graceful shutdown ends it normally, leaving what was being sent as
    /// `sending` for the next start to send again.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.keepRunning("trigger", self.triggerLoop) }
                group.addTask { await self.keepRunning("dispatch", self.dispatchLoop) }
                group.addTask { await self.keepRunning("results", self.flushLoop) }
                await group.next()
                group.cancelAll()
            }
        }
        try await client.shutdown()
    }

    /// Runs a part until the task is cancelled, starting it again a second after an error.
    private func keepRunning(_ part: String, _ body: @Sendable () async throws -> Void) async {
        while !Task.isCancelled {
            do {
                try await body()
            } catch is CancellationError {
                return
            } catch {
                logger.error(
                    "activation outbox failed; trying again", metadata: ["part": "\(part)", "error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    /// Wakes the dispatcher (after a delivery was retried by hand, say).
    public func wake() {
        dispatcherBell.ring()
    }

    // MARK: Triggering

    /// Follows the change feed from the outbox's cursor and records the deliveries each change makes.
    private func triggerLoop() async throws {
        while !Task.isCancelled {
            let cursor = try await feed.cursor(of: configuration.consumer)
            let subscription = feed.subscribe(after: cursor, segment: nil)
            for try await batch in subscription.changes where !batch.isEmpty {
                try await record(batch)
            }
            // The feed ended this subscription (it fell behind, or the server stops): resume from the cursor.
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    private func record(_ changes: [RecordedChange]) async throws {
        guard let last = changes.last?.id else { return }
        var current = await definitions()
        while current == nil {
            // Definitions with errors: wait for them to be fixed rather than skip the changes.
            try await Task.sleep(for: configuration.poll)
            current = await definitions()
        }
        guard let current else { return }
        let deliveries = try await Triggering.deliveries(for: changes, settings: current.settings) {
            activation, profile in
            try await self.store.lastTrigger(activation: activation, profile: profile)
        }
        // Changes that trigger nothing move the cursor at most once a second, so a busy change log costs
        // the store no write per batch; a restart takes those changes again, and they trigger nothing.
        let now = ContinuousClock.now
        if deliveries.isEmpty, let saved = cursorSaved.withLock({ $0 }), now - saved < .seconds(1) { return }
        let recorded = try await store.enqueue(deliveries, consumer: configuration.consumer, through: last)
        cursorSaved.withLock { $0 = now }
        if recorded > 0 {
            logger.debug("deliveries recorded", metadata: ["count": "\(recorded)", "change": "\(last)"])
            dispatcherBell.ring()
        }
    }

    // MARK: Dispatching

    /// Runs rounds: at once after a full one, else when rung (new deliveries, results written, a retry by
    /// hand) or when the next delivery not yet started falls due, a poll at the latest.
    private func dispatchLoop() async throws {
        // Nothing is being sent yet: what a stopped outbox left `sending` is sent again.
        try await store.reopenSending(at: configuration.clock())
        try await withThrowingDiscardingTaskGroup { group in
            while !Task.isCancelled {
                let now = configuration.clock()
                if try await round(at: now, group: &group) { continue }
                // What is due by `now` and not started waits behind a send, whose result rings.
                var wait = configuration.poll
                if let next = try await store.nextDueInstant(after: now) {
                    wait = min(wait, .milliseconds(max(0, next - configuration.clock())))
                }
                await dispatcherBell.wait(atMost: wait)
            }
        }
    }

    /// One round: decides what is due, leases what is to be sent, and starts it; true when the round was
    /// full.
    private func round(at now: Int64, group: inout ThrowingDiscardingTaskGroup<any Error>) async throws -> Bool {
        guard let (current, reader) = await definitions() else { return false }
        let started = ContinuousClock.now
        let busy = inFlight.withLock { $0 }
        let due = try await store.dueDeliveries(at: now, limit: configuration.roundSize)
        let waiting = due.filter { !busy.contains($0.id) }
        guard !waiting.isEmpty else { return false }
        let listed = ContinuousClock.now
        let undecided = waiting.filter { $0.status == .pending || $0.status == .held }
        let decider = Decider(settings: current, store: store, reader: reader)
        let decided = try await decider.decide(undecided, at: now)
        let deciding = ContinuousClock.now
        var toSend: [(Delivery, ProfileFacts?)] = decided.filter { $0.delivery.status == .sending }.map {
            ($0.delivery, $0.facts)
        }
        toSend += waiting.filter { $0.status == .sending || $0.status == .retrying }.map { ($0, nil) }
        toSend.sort { $0.0.id < $1.0.id }
        // One delivery of a profile and activation at a time, in change order; the others decided to send
        // wait, due, behind it.
        var pairs = Set<[String]>()
        var starting: [(Delivery, ProfileFacts?)] = []
        for (delivery, facts) in toSend where pairs.insert([delivery.activation, delivery.profile]).inserted {
            var leased = delivery
            leased.status = .sending
            leased.nextAt = now + Self.lease
            starting.append((leased, facts))
        }
        // The profiles of the sends whose decision did not read them, together, before anything is leased.
        let unread = starting.indices.filter { starting[$0].1 == nil }
        let read = try await reader.facts(
            of: unread.map { FactsRequest(profile: starting[$0].0.profile, instant: starting[$0].0.dueAt) })
        // Nothing is leased without its profile: a reader that answered short would leave leases unsent.
        guard read.count == unread.count else {
            throw OutboxError("the profile reader answered \(read.count) of \(unread.count) profiles")
        }
        for (index, facts) in zip(unread, read) { starting[index].1 = facts }
        let reading = ContinuousClock.now
        // The decisions and the leases in one write, before anything is sent.
        let leased = Set(starting.map(\.0.id))
        try await store.update(decided.map(\.delivery).filter { !leased.contains($0.id) } + starting.map(\.0))
        inFlight.withLock { $0.formUnion(leased) }
        logger.debug(
            "activation outbox: round",
            metadata: [
                "due": "\(due.count)", "decided": "\(decided.count)", "started": "\(starting.count)",
                "in_flight": "\(busy.count + leased.count)", "read_ms": "\(Self.milliseconds(listed - started))",
                "decide_ms": "\(Self.milliseconds(deciding - listed))",
                "profiles_ms": "\(Self.milliseconds(reading - deciding))",
                "write_ms": "\(Self.milliseconds(ContinuousClock.now - reading))",
            ])
        let disabled = try await store.disabledDestinations()
        for case (let delivery, let facts?) in starting {
            group.addTask {
                let result = await self.send(delivery, facts: facts, settings: current, disabled: disabled)
                self.finished.withLock { $0.append(result) }
                self.flusherBell.ring()
            }
        }
        return due.count == configuration.roundSize
    }

    /// A duration in milliseconds to a tenth, for the logs.
    private static func milliseconds(_ duration: Duration) -> String {
        String(format: "%.1f", duration.seconds * 1000)
    }

    /// One attempt at a delivery; returns it with the attempt's result.
    private func send(
        _ original: Delivery, facts: ProfileFacts, settings: ActivationSettings, disabled: [String: String]
    ) async -> Delivery {
        var delivery = original
        let now = configuration.clock
        func finish(_ status: Delivery.Status, error: String?, code: Int?) -> Delivery {
            delivery.status = status
            delivery.lastError = error
            delivery.responseStatus = code
            delivery.finishedAt = now()
            return delivery
        }
        guard let activation = settings.activations[delivery.activation], delivery.step < activation.steps.count,
            let destination = settings.destinations[delivery.destination],
            let fingerprint = settings.fingerprints[destination.name]
        else { return finish(.cancelled, error: "the activation, its step or its destination was deleted", code: nil) }
        if disabled[destination.name] == fingerprint {
            return finish(
                .failed, error: "the destination is turned off after 410 Gone; edit its file to turn it on", code: nil)
        }
        let step = activation.steps[delivery.step]
        let variant = step.variants.first { $0.name == delivery.variant }
        let template = (variant?.template ?? step.template).flatMap { settings.templates[$0] }
        let route: Route
        do {
            route = try await self.route(for: destination, fingerprint: fingerprint, settings: settings)
        } catch {
            return schedule(
                &delivery, error: "cannot read the link key: \(PlainError.describe(error))", code: nil, after: nil,
                settings: settings)
        }
        delivery.attempts += 1
        let payload = Payload(
            delivery: delivery, facts: facts, attempt: delivery.attempts, marketing: activation.category == .marketing)
        let outcome = await route.lane.run { await route.sender.send(payload, template: template, now: now()) }
        switch outcome {
        case .sent(let code):
            return finish(.sent, error: nil, code: code)
        case .retry(let error, let code, let after):
            return schedule(&delivery, error: error, code: code, after: after, settings: settings)
        case .fail(let error, let code, let disable):
            if disable {
                let name = destination.name
                let store = store
                let at = now()
                Task { try? await store.disableDestination(name, fingerprint: fingerprint, at: at) }
                logger.warning("destination turned off by 410 Gone", metadata: ["destination": "\(name)"])
            }
            return finish(.failed, error: error, code: code)
        }
    }

    /// Schedules the next attempt of a failed delivery on its destination's retries, or makes it `dead`.
    private func schedule(
        _ delivery: inout Delivery, error: String, code: Int?, after: Int64?, settings: ActivationSettings
    ) -> Delivery {
        let now = configuration.clock()
        delivery.lastError = error
        delivery.responseStatus = code
        var retries = Destination.Webhook.defaultRetries
        if case .webhook(let webhook)? = settings.destinations[delivery.destination]?.kind { retries = webhook.retries }
        let done = max(delivery.attempts, 1)
        guard done <= retries.count else {
            delivery.status = .dead
            delivery.finishedAt = now
            return delivery
        }
        delivery.status = .retrying
        delivery.nextAt = now + max(retries[done - 1], after ?? 0)
        return delivery
    }

    /// The sender and lane of a destination, made again when its file or `public_url` changed.
    private func route(
        for destination: Destination, fingerprint definition: String, settings: ActivationSettings
    ) async throws -> Route {
        let fingerprint = definition + "\n" + (settings.messaging.publicURL ?? "")
        if let route = routes.withLock({ $0[destination.name] }), route.fingerprint == fingerprint { return route }
        let route: Route
        switch destination.kind {
        case .webhook(let webhook):
            route = Route(
                fingerprint: fingerprint, sender: WebhookSender(webhook: webhook, client: client),
                lane: Lane(concurrency: webhook.concurrency, rate: webhook.rate))
        case .file(let file):
            route = Route(
                fingerprint: fingerprint, sender: FileSender(file: file, root: root),
                lane: Lane(concurrency: 1, rate: 0))
        case .segment(let api):
            route = Route(
                fingerprint: fingerprint,
                sender: SegmentSender(api: api, client: client, workspace: settings.workspace),
                lane: Lane(concurrency: 8, rate: 200))
        case .smtp(let smtp):
            route = Route(
                fingerprint: fingerprint,
                sender: SMTPSender(
                    name: destination.name, smtp: smtp, root: root, links: try await mailLinks(),
                    publicURL: settings.messaging.publicURL, workspace: settings.workspace),
                lane: Lane(concurrency: 4, rate: 0))
        }
        return routes.withLock { routes in
            // Another send may have made the same route meanwhile: the first one made is kept, so the
            // destination has one lane.
            if let made = routes[destination.name], made.fingerprint == fingerprint { return made }
            routes[destination.name] = route
            return route
        }
    }

    /// The signer of unsubscribe and tracking links, with the store's key.
    private func mailLinks() async throws -> MailLinks {
        if let links = links.withLock({ $0 }) { return links }
        let made = MailLinks(key: try await store.linkKey())
        links.withLock { $0 = made }
        return made
    }

    // MARK: Writing results

    /// Writes finished attempts in batches, then lets the dispatcher see them.
    private func flushLoop() async throws {
        while !Task.isCancelled {
            await flusherBell.wait(atMost: .seconds(1))
            let batch = finished.withLock { finished in
                defer { finished.removeAll(keepingCapacity: true) }
                return finished
            }
            guard !batch.isEmpty else { continue }
            do {
                try await store.update(batch)
            } catch {
                // Kept for the next try, so no result is lost and no delivery stays in flight.
                finished.withLock { $0.insert(contentsOf: batch, at: 0) }
                throw error
            }
            inFlight.withLock { busy in for delivery in batch { busy.remove(delivery.id) } }
            dispatcherBell.ring()
        }
    }
}

/// A failure of the outbox's own bookkeeping: logged, and the part tried again.
struct OutboxError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
