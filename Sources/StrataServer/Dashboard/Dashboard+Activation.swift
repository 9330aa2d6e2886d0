import Hummingbird
import StrataActivation
import StrataCore
import StrataDashboard
import StrataEngine
import StrataLanguage
import StrataRuntime
import StrataStore
import Synchronization

extension Dashboard {
    /// How many days, today included, an activation's page counts deliveries for.
    static let deliveryDays = 14

    /// An activation's page: its summary as `GET /api/v1/activations/NAME` answers it, its settings as
    /// configured, its deliveries by status on each of the last days (the activations API's counts,
    /// taken from the start of each day), the lift report as `GET /api/v1/reports/lift` answers it (as
    /// kept: ``Kept``), and,
    /// when the query gives `from` and `to`, the simulation `strata activations simulate` runs.
    func activationPage(_ name: String, _ query: [String: [String]]) async throws -> ActivationPage {
        guard let current = await activations.current() else {
            throw APIError(
                .internalServerError, "invalid_definitions",
                "the workspace's definitions have errors; `strata check` lists them")
        }
        let settings = current.settings
        guard let activation = settings.activations[name] else {
            let hint = Suggestion.nearest(to: name, in: settings.activations.keys.sorted()).map {
                "; did you mean `\($0)`?"
            }
            throw APIError.notFound("no activation `\(name.prefix(60))`\(hint ?? "")")
        }
        let now = configuration.clock()
        let today = Self.startOfToday(settings.zone, now)
        // The counts since the start of each day, newest first; a day's own are the difference.
        var since: [[Delivery.Status: Int]] = []
        for back in 0..<Self.deliveryDays {
            since.append(
                try await workbench.store.deliveryCounts(activation: name, since: today - Int64(back) * Cohorts.day))
        }
        let summary = DeliveryLog.summary(of: activation, counts: since[0], since: today)
        let days = (0..<Self.deliveryDays).reversed().map { back in
            var counts: [String: Int] = [:]
            for (status, count) in since[back] {
                counts[status.rawValue] = count - (back > 0 ? since[back - 1][status] ?? 0 : 0)
            }
            return ActivationPage.Counts(
                label: settings.zone.date(at: today - Int64(back) * Cohorts.day).description, counts: counts)
        }
        var lift: ReportTableView?
        var liftMessage: String?
        switch await keptReport("lift", ["activation": [name]]) {
        case .success(let table): lift = ReportTableView(columns: table.columns, rows: table.rows)
        case .failure(let unavailable): liftMessage = unavailable.message
        }
        let from = query["from"]?.last
        let to = query["to"]?.last
        return ActivationPage(
            row: ActivationsPage.Row(summary: summary.objectValue ?? [:]),
            facts: Self.facts(of: activation, settings: settings), days: days, lift: lift, liftMessage: liftMessage,
            from: from, to: to, simulated: try await simulate(name, from: from, to: to, zone: settings.zone))
    }

    /// The simulation of an activation over a window, as `strata activations simulate` counts it; none
    /// when neither end is given.
    private func simulate(
        _ name: String, from: String?, to: String?, zone: Zone
    ) async throws -> ActivationPage
        .Simulated?
    {
        guard from != nil || to != nil else { return nil }
        let query = ReportAPI.Query(["from": from.map { [$0] } ?? [], "to": to.map { [$0] } ?? []], now: 0)
        let session = try await workbench.session()
        let run: @Sendable () async throws -> Simulation
        do throws(SessionError) {
            guard let start = try query.instant("from"), let end = try query.instant("to") else {
                throw SessionError(.invalidArgument, "from and to: both required, as instants or dates")
            }
            guard start < end else { throw SessionError(.invalidArgument, "from must be before to") }
            run = { try await session.simulate(activation: name, from: start, to: end) }
        } catch {
            throw APIError(error, status: .internalServerError)
        }
        let ran: Simulation?
        do {
            ran = try await simulations.run(run)
        } catch let error as SessionError {
            throw APIError(error, status: .internalServerError)
        }
        guard let simulation = ran else {
            throw APIError(
                .tooManyRequests, "busy",
                "a simulation is already running on this server (each replays the store's history): "
                    + "try again once it has ended")
        }
        func counts(_ label: String, _ counts: [Delivery.Status: Int]) -> ActivationPage.Counts {
            ActivationPage.Counts(
                label: label, counts: Dictionary(uniqueKeysWithValues: counts.map { ($0.key.rawValue, $0.value) }))
        }
        let days = simulation.byDay(in: zone)
        let variants = simulation.byVariant
        return ActivationPage.Simulated(
            changes: simulation.changes, triggers: simulation.triggers,
            statuses: simulation.statuses.map(\.rawValue), total: counts("deliveries", simulation.byStatus),
            days: days.keys.sorted().map { counts($0.description, days[$0] ?? [:]) },
            variants: variants.keys.sorted().map { counts($0, variants[$0] ?? [:]) })
    }

    /// An activation's settings as configured, besides those of its summary: reentry, goal window, each
    /// step with its destination, channel, split and condition, and the workspace's rules that apply
    /// to it (caps, global control, quiet hours; transactional activations ignore them).
    static func facts(of activation: Activation, settings: ActivationSettings) -> [ActivationPage.Fact] {
        typealias Fact = ActivationPage.Fact
        let reentry =
            switch activation.reentry {
            case .always: "always"
            case .never: "never: once per profile"
            case .every(let span): "at most once per \(Format.duration(span))"
            }
        var facts = [
            Fact(name: "Reentry", value: reentry),
            Fact(name: "Conversion window", value: Format.duration(activation.conversionWindow)),
        ]
        for (index, step) in activation.steps.enumerated() {
            var parts = ["after \(step.after > 0 ? Format.duration(step.after) : "0s"): \(step.destination)"]
            if let destination = settings.destinations[step.destination] {
                parts[0] += " (channel \(destination.channel))"
            }
            if let template = step.template { parts.append("template \(template)") }
            if !step.variants.isEmpty {
                parts.append(
                    "split "
                        + step.variants.map { variant in
                            "\(variant.name) \(Format.number(variant.weight))%"
                                + (variant.template.map { " (template \($0))" } ?? "")
                        }.joined(separator: ", "))
            }
            if let when = step.whenSource { parts.append("when \(when)") }
            facts.append(Fact(name: "Step \(index + 1)", value: parts.joined(separator: "; ")))
        }
        let messaging = settings.messaging
        guard activation.category == .marketing else {
            facts.append(
                Fact(name: "Caps, control, quiet hours", value: "none: transactional activations ignore them"))
            return facts
        }
        facts.append(
            Fact(
                name: "Caps",
                value: messaging.caps.isEmpty
                    ? "none"
                    : messaging.caps.map { "\($0.channel): at most \($0.max) per \(Format.duration($0.per))" }.joined(
                        separator: "; ") + " (per profile, shared with the other marketing activations)"))
        facts.append(
            Fact(name: "Global control", value: Format.number(Double(messaging.globalControl) / 100) + "%"))
        facts.append(
            Fact(
                name: "Quiet hours",
                value: messaging.quietHours.map {
                    "\(Self.clock($0.start))–\(Self.clock($0.end)) in the profile's time zone"
                } ?? "none"))
        return facts
    }

    /// Minutes after midnight as `HH:MM`.
    static func clock(_ minutes: Int) -> String {
        let hours = minutes / 60
        let rest = minutes % 60
        return (hours < 10 ? "0" : "") + "\(hours):" + (rest < 10 ? "0" : "") + "\(rest)"
    }
}

extension Dashboard {
    /// One simulation at a time: each replays the store's history, so that a page reloaded, or many
    /// visitors at once, cannot start one replay each.
    final class SimulationGate: Sendable {
        private let running = Mutex(false)

        /// The result of `body`, or nil without running it when a simulation is running.
        func run<T: Sendable>(_ body: () async throws -> T) async throws -> T? {
            guard
                running.withLock({ running in
                    defer { running = true }
                    return !running
                })
            else { return nil }
            defer { running.withLock { $0 = false } }
            return try await body()
        }
    }
}
