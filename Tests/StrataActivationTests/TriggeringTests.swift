import StrataActivation
import StrataCore
import StrataStore
import Testing

/// Changes into delivery records: one per step, due after the step's delay, and `reentry` refusals.
struct TriggeringTests {
    func change(_ id: Int64, _ profile: String, entered: Bool = true, hours: Int64) -> RecordedChange {
        RecordedChange(
            id: id,
            change: MembershipChange(
                segment: "carts", profile: profile, entered: entered, instant: t0 + hours * Instant.hour,
                cause: .message("m\(id)")),
            recordedAt: t0 + hours * Instant.hour + 5)
    }

    func activation(_ reentry: String) throws -> ActivationSettings {
        try settings([
            "destinations/hook.yaml": hookFile,
            "activations/nudge.yaml":
                "segment: carts\non: enter\nreentry: \(reentry)\nsteps:\n  - destination: hook\n  - after: 1h\n    destination: hook\n",
            "activations/goodbye.yaml": "segment: carts\non: exit\nsteps:\n  - destination: hook\n",
        ])
    }

    @Test func eachStepIsDueAfterItsDelay() async throws {
        var lookups = 0
        let deliveries = try await Triggering.deliveries(
            for: [change(7, "ann", hours: 0), change(8, "ann", entered: false, hours: 2)],
            settings: try activation("always")
        ) { _, _ in
            lookups += 1
            return nil
        }
        // `reentry: always` (both activations here) never reads the delivery log.
        #expect(lookups == 0)
        #expect(deliveries.map(\.activation) == ["nudge", "nudge", "goodbye"])
        #expect(deliveries.map(\.step) == [0, 1, 0])
        #expect(deliveries.map(\.changeID) == [7, 7, 8])
        #expect(deliveries.map(\.dueAt) == [t0, t0 + Instant.hour, t0 + 2 * Instant.hour])
        #expect(deliveries.map(\.status) == [.pending, .pending, .pending])
        #expect(deliveries.map(\.entered) == [true, true, false])
        #expect(deliveries.map(\.cause) == ["message", "message", "message"])
    }

    @Test(
        arguments: [
            // Entries at 0h, 10h and 30h; a trigger before them at -100h for the last case.
            ("always", nil, [false, false, false]),
            ("never", nil, [false, true, true]),
            ("never", -100, [true, true, true]),
            ("1d", nil, [false, true, false]),
            // Measured from the last entry that fired (-10h): 0h and 10h are inside the day, 30h is not.
            ("1d", -10, [true, true, false]),
        ] as [(String, Int64?, [Bool])])
    func reentryRules(rule: String, earlier: Int64?, refused: [Bool]) async throws {
        let changes = [change(1, "ann", hours: 0), change(2, "ann", hours: 10), change(3, "ann", hours: 30)]
        let deliveries = try await Triggering.deliveries(for: changes, settings: try activation(rule)) { _, profile in
            earlier.map { t0 + $0 * Instant.hour }
        }
        let firstSteps = deliveries.filter { $0.step == 0 && $0.activation == "nudge" }
        #expect(firstSteps.map { $0.status == .reentry } == refused)
        // A refusal covers every step of the activation, decided when the change was recorded.
        for delivery in deliveries where delivery.status == .reentry {
            #expect(delivery.decidedAt == delivery.changeInstant + 5)
        }
        #expect(deliveries.filter { $0.status == .reentry }.count == 2 * refused.filter { $0 }.count)
    }
}
