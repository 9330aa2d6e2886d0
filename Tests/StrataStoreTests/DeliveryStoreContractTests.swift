import StrataCore
import StrataStore
import Testing

/// The delivery log, the same for every backend.
struct DeliveryStoreContractTests {
    static let t0: Int64 = 1_782_777_600_000  // 2026-06-30T00:00:00Z

    func delivery(
        change: Int64, activation: String = "cart", step: Int = 0, profile: String = "ann", due minutes: Int64 = 0,
        channel: String = "webhook"
    ) -> Delivery {
        Delivery(
            changeID: change, activation: activation, step: step, segment: "carts", profile: profile, entered: true,
            changeInstant: Self.t0, cause: "message", destination: "crm", channel: channel,
            dueAt: Self.t0 + minutes * Instant.minute)
    }

    @Test(arguments: Backend.allCases)
    func enqueueIsIdempotentAndMovesTheCursorInTheSameWrite(_ backend: Backend) async throws {
        try await backend.withStore { store in
            let first = try await store.enqueue(
                [delivery(change: 1), delivery(change: 1, step: 1, due: 60)], consumer: "activations", through: 1)
            #expect(first == 2)
            #expect(try await store.cursor(of: "activations") == 1)
            // The same change handled again after a crash records nothing twice.
            let again = try await store.enqueue(
                [delivery(change: 1), delivery(change: 2, profile: "bob")], consumer: "activations", through: 2)
            #expect(again == 1)
            #expect(try await store.cursor(of: "activations") == 2)
            let all = try await store.deliveries(DeliveryQuery())
            #expect(all.map(\.id) == [3, 2, 1])
            #expect(all.map(\.profile) == ["bob", "ann", "ann"])
            #expect(all.allSatisfy { $0.status == .pending && $0.attempts == 0 })
        }
    }

    @Test(arguments: Backend.allCases)
    func dueDeliveriesComeInOrderAndWaitBehindARetry(_ backend: Backend) async throws {
        try await backend.withStore { store in
            try await store.enqueue(
                [
                    delivery(change: 1, due: 5), delivery(change: 2, due: 1), delivery(change: 3, due: 120),
                    delivery(change: 4, profile: "bob", due: 2),
                ], consumer: "activations", through: 4)
            let now = Self.t0 + 10 * Instant.minute
            #expect(try await store.dueDeliveries(at: now, limit: 10).map(\.changeID) == [2, 4, 1])
            #expect(try await store.dueDeliveries(at: now, limit: 2).map(\.changeID) == [2, 4])
            #expect(try await store.nextDueInstant(after: .min) == Self.t0 + Instant.minute)
            #expect(try await store.nextDueInstant(after: Self.t0 + Instant.minute) == Self.t0 + 2 * Instant.minute)
            #expect(try await store.nextDueInstant(after: now) == Self.t0 + 120 * Instant.minute)
            #expect(try await store.nextDueInstant(after: Self.t0 + 120 * Instant.minute) == nil)
            // Change 1's delivery (id 1) is retried later: change 2's (id 2, same profile and activation) waits.
            var retrying = try #require(try await store.delivery(id: 1))
            retrying.status = .retrying
            retrying.attempts = 1
            retrying.nextAt = Self.t0 + 30 * Instant.minute
            retrying.lastError = "HTTP 503"
            retrying.responseStatus = 503
            try await store.update([retrying])
            #expect(try await store.dueDeliveries(at: now, limit: 10).map(\.changeID) == [4])
            let stored = try #require(try await store.delivery(id: 1))
            #expect(stored == retrying)
            // Parked until the retry, so rounds do not meet it meanwhile; change 3's (due later) keeps its instant.
            #expect(try await store.delivery(id: 2)?.nextAt == Self.t0 + 30 * Instant.minute)
            #expect(try await store.delivery(id: 3)?.nextAt == Self.t0 + 120 * Instant.minute)
            #expect(try await store.nextDueInstant(after: now) == Self.t0 + 30 * Instant.minute)
            // A change recorded meanwhile is parked as it is recorded.
            try await store.enqueue([delivery(change: 5, due: 8)], consumer: "activations", through: 5)
            #expect(try await store.delivery(id: 5)?.nextAt == Self.t0 + 30 * Instant.minute)
            // Once it is sent, the later ones go.
            retrying.status = .sent
            retrying.finishedAt = now
            try await store.update([retrying])
            #expect(try await store.dueDeliveries(at: now, limit: 10).map(\.changeID) == [2, 4, 5])
            #expect(try await store.delivery(id: 2)?.nextAt == Self.t0 + Instant.minute)
        }
    }

    @Test(arguments: Backend.allCases)
    func reopenSendingMakesLeftoverSendsDueAtOnce(_ backend: Backend) async throws {
        try await backend.withStore { store in
            try await store.enqueue(
                [delivery(change: 1), delivery(change: 2, profile: "bob"), delivery(change: 3, profile: "cy")],
                consumer: "activations", through: 3)
            let now = Self.t0 + 10 * Instant.minute
            // 1 was being sent, leased for a day; 2 was decided to send and waits; 3 is pending.
            var leased = try #require(try await store.delivery(id: 1))
            leased.status = .sending
            leased.nextAt = now + Instant.day
            var decided = try #require(try await store.delivery(id: 2))
            decided.status = .sending
            try await store.update([leased, decided])
            #expect(try await store.dueDeliveries(at: now, limit: 10).map(\.id) == [2, 3])
            #expect(try await store.nextDueInstant(after: now) == now + Instant.day)
            #expect(try await store.reopenSending(at: now) == 1)
            #expect(try await store.dueDeliveries(at: now, limit: 10).map(\.id) == [2, 3, 1])
            #expect(try await store.delivery(id: 1)?.nextAt == now)
            #expect(try await store.nextDueInstant(after: now) == nil)
            #expect(try await store.reopenSending(at: now) == 0)
        }
    }

    @Test(arguments: Backend.allCases)
    func capsCountWhatWasDecidedToSendOnItsChannel(_ backend: Backend) async throws {
        try await backend.withStore { store in
            try await store.enqueue(
                [
                    delivery(change: 1, channel: "email"), delivery(change: 2, channel: "email"),
                    delivery(change: 3, channel: "webhook"), delivery(change: 4, channel: "email"),
                    delivery(change: 5, channel: "email"), delivery(change: 6, profile: "bob", channel: "email"),
                ], consumer: "activations", through: 6)
            let statuses: [Delivery.Status] = [.sent, .retrying, .sending, .capped, .dead, .sent]
            let decided: [Int64] = [10, 20, 30, 40, 50, 60]
            var updated: [Delivery] = []
            for (index, status) in statuses.enumerated() {
                var delivery = try #require(try await store.delivery(id: Int64(index + 1)))
                delivery.status = status
                delivery.decidedAt = Self.t0 + decided[index] * Instant.minute
                updated.append(delivery)
            }
            try await store.update(updated)
            #expect(try await store.cappedCount(profile: "ann", channel: "email", since: Self.t0) == 2)
            #expect(try await store.cappedCount(profile: "ann", channel: nil, since: Self.t0) == 3)
            #expect(
                try await store.cappedCount(profile: "ann", channel: "email", since: Self.t0 + 15 * Instant.minute) == 1
            )
            #expect(try await store.cappedCount(profile: "bob", channel: "email", since: Self.t0) == 1)
            #expect(
                try await store.deliveryCounts(activation: "cart", since: Self.t0)
                    == [.sent: 2, .retrying: 1, .sending: 1, .capped: 1, .dead: 1])
            #expect(try await store.deliveries(DeliveryQuery(status: .sent)).map(\.id) == [6, 1])
            #expect(try await store.deliveries(DeliveryQuery(profile: "bob")).map(\.id) == [6])
            #expect(try await store.deliveries(DeliveryQuery(before: 3, limit: 1)).map(\.id) == [2])
        }
    }

    @Test(arguments: Backend.allCases)
    func lastTriggerSkipsReentryRefusals(_ backend: Backend) async throws {
        try await backend.withStore { store in
            var early = delivery(change: 1)
            early.changeInstant = Self.t0
            var refused = delivery(change: 2)
            refused.changeInstant = Self.t0 + Instant.hour
            refused.status = .reentry
            var secondStep = delivery(change: 3, step: 1)
            secondStep.changeInstant = Self.t0 + 2 * Instant.hour
            try await store.enqueue([early, refused, secondStep], consumer: "activations", through: 3)
            #expect(try await store.lastTrigger(activation: "cart", profile: "ann") == Self.t0)
            #expect(try await store.lastTrigger(activation: "cart", profile: "bob") == nil)
        }
    }

    @Test(arguments: Backend.allCases)
    func disabledDestinationsKeepTheirFingerprint(_ backend: Backend) async throws {
        try await backend.withStore { store in
            #expect(try await store.disabledDestinations() == [:])
            try await store.disableDestination("crm", fingerprint: "a1", at: Self.t0)
            try await store.disableDestination("crm", fingerprint: "b2", at: Self.t0 + 1)
            #expect(try await store.disabledDestinations() == ["crm": "b2"])
        }
    }
}
