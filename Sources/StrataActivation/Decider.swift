import StrataCore
import StrataLanguage
import StrataStore

/// Decides due deliveries, the same way in `strata serve` and in a simulation: whether the profile
/// moved since the change, global control, holdout, rollout, the variant, the step's `when`, for email
/// an address and no unsubscribe, quiet hours and frequency caps, in that order. Several steps due for one profile in one round are decided
/// together, higher priority first, then by activation name, so a cap keeps the ones that matter most.
/// One decider decides one round at a time, which makes caps exact: a round counts what the store
/// holds plus what it decided itself.
public struct Decider: Sendable {
    /// A delivery decided more than this long after its due instant is noted late (ms).
    public static let lateAfter: Int64 = 60_000

    /// A decided delivery, with the profile facts read for it.
    public struct Decided: Sendable {
        /// The delivery with its new status (`sending` when it is to go out).
        public var delivery: Delivery
        /// The profile as of the due instant, when it was read.
        public var facts: ProfileFacts?
    }

    /// The workspace's activations and rules.
    public let settings: ActivationSettings
    /// The delivery log (cap counts), the change log (moves since the change) and the unsubscribes.
    public let store: any DeliveryStore & ChangeLog & SuppressionStore
    /// Reads profiles and evaluates `when` conditions.
    public let reader: any ProfileReader

    /// A decider over settings, a store and a profile reader.
    public init(
        settings: ActivationSettings, store: any DeliveryStore & ChangeLog & SuppressionStore, reader: any ProfileReader
    ) {
        self.settings = settings
        self.store = store
        self.reader = reader
    }

    /// Decides a round of due deliveries (pending or held ones) at an instant.
    public func decide(_ due: [Delivery], at now: Int64) async throws -> [Decided] {
        let ordered = due.sorted { a, b in
            let (pa, pb) = (priority(of: a), priority(of: b))
            return (a.profile, -pa, a.activation, a.id) < (b.profile, -pb, b.activation, b.id)
        }
        // The profiles the decisions need, read together.
        let asked = ordered.compactMap { delivery in factsRequest(for: delivery).map { (delivery.id, $0) } }
        let read = try await reader.facts(of: asked.map(\.1))
        let facts = Dictionary(zip(asked.map(\.0), read), uniquingKeysWith: { first, _ in first })
        var sentInRound: [String: [(channel: String, at: Int64)]] = [:]
        var decided: [Decided] = []
        for delivery in ordered {
            let result = try await decide(
                delivery, facts: facts[delivery.id], at: now, sentInRound: sentInRound[delivery.profile] ?? [])
            if result.delivery.status == .sending {
                sentInRound[delivery.profile, default: []].append((result.delivery.channel, now))
            }
            decided.append(result)
        }
        return decided
    }

    private func priority(of delivery: Delivery) -> Int {
        settings.activations[delivery.activation]?.priority ?? 0
    }

    /// What a delivery's decision reads of its profile, if anything: its step's `when`, its address (for
    /// email) and its time zone (for quiet hours); the sender reads it otherwise.
    private func factsRequest(for delivery: Delivery) -> FactsRequest? {
        guard let activation = settings.activations[delivery.activation], delivery.step < activation.steps.count,
            let destination = settings.destinations[activation.steps[delivery.step].destination]
        else { return nil }
        let step = activation.steps[delivery.step]
        var needed = step.when != nil
        if activation.category == .marketing, settings.messaging.quietHours != nil { needed = true }
        if case .smtp = destination.kind { needed = true }
        guard needed else { return nil }
        return FactsRequest(
            profile: delivery.profile, instant: delivery.dueAt, conditions: step.when.map { [$0] } ?? [])
    }

    private func decide(
        _ original: Delivery, facts: ProfileFacts?, at now: Int64, sentInRound: [(channel: String, at: Int64)]
    ) async throws -> Decided {
        var delivery = original
        func finish(_ status: Delivery.Status, facts: ProfileFacts? = nil) -> Decided {
            delivery.status = status
            delivery.decidedAt = now
            delivery.finishedAt = now
            return Decided(delivery: delivery, facts: facts)
        }
        guard let activation = settings.activations[delivery.activation], delivery.step < activation.steps.count,
            let destination = settings.destinations[activation.steps[delivery.step].destination]
        else { return finish(.cancelled) }
        let step = activation.steps[delivery.step]
        delivery.destination = step.destination
        delivery.channel = destination.channel
        if try await movedSinceChange(delivery) { return finish(delivery.entered ? .exited : .reentered) }
        let marketing = activation.category == .marketing
        if marketing,
            Assignment.inGlobalControl(
                profile: delivery.profile, salt: settings.salt, share: settings.messaging.globalControl)
        {
            return finish(.control)
        }
        if Assignment.inHoldout(profile: delivery.profile, activation: activation.name, share: activation.holdout) {
            return finish(.heldOut)
        }
        if Assignment.outsideRollout(profile: delivery.profile, activation: activation.name, share: activation.rollout)
        {
            return finish(.rollout)
        }
        delivery.variant =
            Assignment.variant(
                profile: delivery.profile, activation: activation.name, step: delivery.step, variants: step.variants
            )?.name
        let quietHours = marketing ? settings.messaging.quietHours : nil
        var smtp: Destination.SMTP?
        if case .smtp(let settings) = destination.kind { smtp = settings }
        if step.when != nil, facts?.conditions.first != true { return finish(.condition, facts: facts) }
        if let smtp, let facts {
            if SMTPSender.recipient(of: smtp, for: Payload(delivery: delivery, facts: facts, attempt: 0)) == nil {
                return finish(.noAddress, facts: facts)
            }
            if marketing, try await store.unsubscribed(profile: delivery.profile, destination: destination.name) != nil
            {
                return finish(.unsubscribed, facts: facts)
            }
        }
        if let quietHours, let facts, let end = quietHours.end(ifQuietAt: now, in: settings.zone(of: facts)) {
            delivery.status = .held
            delivery.nextAt = end
            return Decided(delivery: delivery, facts: facts)
        }
        if marketing {
            for cap in settings.messaging.caps where cap.channel == "any" || cap.channel == delivery.channel {
                let channel = cap.channel == "any" ? nil : cap.channel
                let since = now - cap.per + 1
                let stored = try await store.cappedCount(profile: delivery.profile, channel: channel, since: since)
                let round = sentInRound.filter { channel == nil || $0.channel == channel }.count
                if stored + round >= cap.max { return finish(.capped, facts: facts) }
            }
        }
        delivery.status = .sending
        delivery.decidedAt = now
        delivery.late = now - delivery.dueAt > Self.lateAfter
        return Decided(delivery: delivery, facts: facts)
    }

    /// Whether the profile left the segment (for an enter) or came back (for an exit) after the change
    /// and by the step's due instant: the next change of the same profile and segment is the opposite one.
    private func movedSinceChange(_ delivery: Delivery) async throws -> Bool {
        guard delivery.dueAt > delivery.changeInstant else { return false }
        let next = try await store.changes(
            segment: delivery.segment, profile: delivery.profile, since: nil, after: delivery.changeID, limit: 1)
        guard let move = next.first else { return false }
        return move.change.entered != delivery.entered && move.change.instant <= delivery.dueAt
    }
}
