import StrataActivation
import StrataCore
import StrataStore
import Testing

/// Decisions at the due instant, on the in-memory store.
struct DeciderTests {
    static let hook = "destinations/hook.yaml"
    static let email = "destinations/email.yaml"
    static let emailFile = "kind: file\npath: out.jsonl\nchannel: email\n"

    func decide(
        _ files: [String: String], _ due: [Delivery], reader: FixedReader = FixedReader(),
        store: MemoryStore = MemoryStore(),
        at now: Int64 = t0
    ) async throws -> [String: Delivery.Status] {
        let current = try settings(files)
        let recorded = try await store.enqueue(due, consumer: "activations", through: 0)
        #expect(recorded == due.count)
        let pending = try await store.dueDeliveries(at: now, limit: 100)
        let decided = try await Decider(settings: current, store: store, reader: reader).decide(pending, at: now)
        return Dictionary(
            decided.map { ("\($0.delivery.activation)/\($0.delivery.profile)", $0.delivery.status) },
            uniquingKeysWith: { a, _ in a })
    }

    @Test func controlHoldoutAndRolloutFollowTheBuckets() async throws {
        // Global control 36% (buckets: ann 3092 and cy 3532 in, bob 7604 out); then the activation's
        // holdout 91.02% (bob's bucket 9101 in); a transactional one ignores global control.
        let files = [
            Self.hook: hookFile, "strata.yaml": "name: acme\nmessaging:\n  global_control: 36%\n",
            "activations/cart-recovery.yaml":
                "segment: carts\non: enter\nholdout: 91.02%\nsteps:\n  - destination: hook\n",
            "activations/receipt.yaml":
                "segment: carts\non: enter\ncategory: transactional\nsteps:\n  - destination: hook\n",
        ]
        let decided = try await decide(
            files,
            [
                due(1, "cart-recovery", "ann"), due(2, "cart-recovery", "bob"), due(3, "receipt", "cy"),
                due(4, "cart-recovery", "cy"),
            ])
        #expect(
            decided == [
                "cart-recovery/ann": .control, "cart-recovery/bob": .heldOut, "receipt/cy": .sending,
                "cart-recovery/cy": .control,
            ])
    }

    @Test func aRolloutSendsOnlyItsShare() async throws {
        // bob's rollout bucket is 2341.
        let files = [
            Self.hook: hookFile,
            "activations/cart-recovery.yaml":
                "segment: carts\non: enter\nrollout: 23.41%\nsteps:\n  - destination: hook\n",
        ]
        #expect(try await decide(files, [due(1, "cart-recovery", "bob")]) == ["cart-recovery/bob": .rollout])
    }

    @Test func capsKeepTheHighestPriorities() async throws {
        // At most 2 emails a week; ann has one already (decided 3 days ago), so one of the three due now goes.
        let store = MemoryStore()
        var earlier = due(9, "digest", "ann", at: t0 - 3 * Instant.day)
        earlier.channel = "email"
        try await store.enqueue([earlier], consumer: "activations", through: 9)
        earlier.id = 1
        earlier.status = .sent
        earlier.decidedAt = t0 - 3 * Instant.day
        try await store.update([earlier])
        var files = [
            Self.email: Self.emailFile, Self.hook: hookFile,
            "strata.yaml": "name: acme\nmessaging:\n  caps:\n    - {channel: email, max: 2, per: 7d}\n",
            "activations/digest.yaml": "segment: carts\non: enter\nsteps:\n  - destination: email\n",
        ]
        for (name, priority) in [("low", 0), ("high", 10), ("mid", 5)] {
            files["activations/\(name).yaml"] =
                "segment: carts\non: enter\npriority: \(priority)\nsteps:\n  - destination: email\n"
        }
        files["activations/webhook.yaml"] = "segment: carts\non: enter\nsteps:\n  - destination: hook\n"
        let decided = try await decide(
            files,
            [due(1, "low", "ann"), due(2, "high", "ann"), due(3, "mid", "ann"), due(4, "webhook", "ann")],
            store: store)
        #expect(decided == ["high/ann": .sending, "mid/ann": .capped, "low/ann": .capped, "webhook/ann": .sending])
    }

    @Test func aCapOnAnyChannelCountsEveryChannel() async throws {
        let files = [
            Self.email: Self.emailFile, Self.hook: hookFile,
            "strata.yaml": "name: acme\nmessaging:\n  caps:\n    - {channel: any, max: 1, per: 1d}\n",
            "activations/a.yaml": "segment: carts\non: enter\npriority: 1\nsteps:\n  - destination: email\n",
            "activations/b.yaml": "segment: carts\non: enter\nsteps:\n  - destination: hook\n",
        ]
        let decided = try await decide(files, [due(1, "a", "ann"), due(2, "b", "ann"), due(3, "b", "bob")])
        #expect(decided == ["a/ann": .sending, "b/ann": .capped, "b/bob": .sending])
    }

    @Test func emailNeedsAnAddressAndNoUnsubscribe() async throws {
        // ann unsubscribed from `mail` (not from `other`); bob has no email trait; cy's is not an address.
        let smtp = "kind: smtp\nhost: mail.acme.example\nfrom: growth@acme.example\n"
        let files = [
            "destinations/mail.yaml": smtp, "destinations/other.yaml": smtp,
            "templates/hello.mustache": "---\nsubject: Hello\n---\nHello\n",
            "strata.yaml": "name: acme\npublic_url: https://strata.acme.example\n",
            "activations/news.yaml": "segment: carts\non: enter\nsteps:\n  - destination: mail\n    template: hello\n",
            "activations/tips.yaml": "segment: carts\non: enter\nsteps:\n  - destination: other\n    template: hello\n",
            "activations/receipt.yaml":
                "segment: carts\non: enter\ncategory: transactional\nsteps:\n  - destination: mail\n    template: hello\n",
        ]
        let store = MemoryStore()
        try await store.unsubscribe(profile: "ann", destination: "mail", at: t0 - Instant.day)
        let reader = FixedReader(traits: [
            "ann": ["email": .string("ann@example.com")], "cy": ["email": .string("cy at example.com")],
        ])
        let decided = try await decide(
            files,
            [
                due(1, "news", "ann"), due(2, "tips", "ann"), due(3, "receipt", "ann"), due(4, "news", "bob"),
                due(5, "receipt", "bob"), due(6, "news", "cy"),
            ], reader: reader, store: store)
        #expect(
            decided == [
                "news/ann": .unsubscribed, "tips/ann": .sending, "receipt/ann": .sending, "news/bob": .noAddress,
                "receipt/bob": .noAddress, "news/cy": .noAddress,
            ])
    }

    @Test func whenQuietHoursAndMovesSinceTheChange() async throws {
        let files = [
            Self.hook: hookFile,
            "strata.yaml": "name: acme\nmessaging:\n  quiet_hours: \"21:00-08:00\"\n",
            "activations/alert.yaml":
                "segment: carts\non: enter\nsteps:\n  - after: 1h\n    destination: hook\n    when: trait.mrr > 1000\n",
        ]
        let store = MemoryStore()
        // cy left the segment 30 minutes after entering: her step due at 1h finds her gone.
        try await store.recordChanges(
            [
                MembershipChange(segment: "carts", profile: "cy", entered: true, instant: t0, cause: .time),
                MembershipChange(
                    segment: "carts", profile: "cy", entered: false, instant: t0 + 30 * Instant.minute, cause: .time),
            ], checkpoint: LiveCheckpoint(sequence: 0, instant: t0), recordedAt: t0)
        var steps: [Delivery] = []
        for (id, profile) in [(1, "ann"), (2, "bob"), (3, "dee")] {
            var delivery = due(Int64(id), "alert", profile)
            delivery.dueAt = t0 + Instant.hour
            delivery.nextAt = delivery.dueAt
            steps.append(delivery)
        }
        var cy = due(1, "alert", "cy")
        cy.changeID = 1
        cy.dueAt = t0 + Instant.hour
        cy.nextAt = cy.dueAt
        steps[0].changeID = 10
        // ann's condition holds, bob's is false, dee lives in Tokyo, where 12:00Z is 21:00: quiet.
        let reader = FixedReader(
            traits: ["dee": ["timezone": .string("Asia/Tokyo")]], conditions: ["ann": true, "bob": false, "dee": true])
        let now = t0 + 12 * Instant.hour
        let current = try settings(files)
        try await store.enqueue(steps + [cy], consumer: "activations", through: 10)
        let pending = try await store.dueDeliveries(at: now, limit: 10)
        let decided = try await Decider(settings: current, store: store, reader: reader).decide(pending, at: now)
        let byProfile = Dictionary(uniqueKeysWithValues: decided.map { ($0.delivery.profile, $0.delivery) })
        #expect(byProfile["ann"]?.status == .sending)
        #expect(byProfile["ann"]?.late == true)
        #expect(byProfile["bob"]?.status == .condition)
        #expect(byProfile["cy"]?.status == .exited)
        #expect(byProfile["dee"]?.status == .held)
        // Tokyo's 08:00 the next day is 23:00Z.
        #expect(byProfile["dee"]?.nextAt == t0 + 23 * Instant.hour)
    }

    @Test func aDeletedActivationCancelsItsSteps() async throws {
        let decided = try await decide([Self.hook: hookFile], [due(1, "gone", "ann")])
        #expect(decided == ["gone/ann": .cancelled])
    }
}
