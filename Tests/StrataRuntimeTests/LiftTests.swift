import Foundation
import StrataCore
import StrataRuntime
import StrataStore
import Testing

/// `strata report lift`: treated against control among an activation's triggers, against statsmodels.
@Suite struct LiftTests {
    static let t0: Int64 = 1_782_777_600_000
    static let day: Int64 = 86_400_000

    @Test func treatedAgainstControlOverallAndByVariant() async throws {
        let files = [
            "segments/buyers.yaml": "where: did(\"Cart Updated\")\n",
            "destinations/out.yaml": "kind: file\npath: out.jsonl\n",
            "activations/welcome.yaml":
                "segment: buyers\non: enter\ngoal: did(\"Order Completed\")\nconversion_window: 7d\nsteps:\n"
                + "  - destination: out\n    variants:\n      a: {weight: 75}\n      b: {weight: 25}\n",
        ]
        try await withWorkspace(files) { runtime in
            // 40 sent (t0-t39; the first 20 convert a day after the change, t20 only after 8 days), 30 held out
            // and 10 in control (c0-c39; the first 10 convert), one capped that converts (not counted).
            // Variant a: t0-t14 and t20-t34 (15 of 30 convert); b: t15-t19 and t35-t39 (5 of 10).
            var deliveries: [Delivery] = []
            var orders: [(String, Int64)] = []
            func delivery(_ profile: String, _ status: Delivery.Status, _ variant: String?) {
                deliveries.append(
                    Delivery(
                        changeID: Int64(deliveries.count + 1), activation: "welcome", step: 0, segment: "buyers",
                        profile: profile, entered: true, changeInstant: Self.t0, cause: "message", destination: "out",
                        channel: "file", variant: variant, status: status, dueAt: Self.t0))
            }
            for i in 0..<40 {
                delivery("t\(i)", .sent, (0..<15).contains(i) || (20..<35).contains(i) ? "a" : "b")
                if i < 20 { orders.append(("t\(i)", Self.t0 + Self.day)) }
                delivery("c\(i)", i < 30 ? .heldOut : .control, nil)
                if i < 10 { orders.append(("c\(i)", Self.t0 + Self.day)) }
            }
            orders.append(("t20", Self.t0 + 8 * Self.day))
            delivery("x0", .capped, nil)
            orders.append(("x0", Self.t0 + Self.day))
            try await runtime.store.enqueue(deliveries, consumer: "activations", through: Int64(deliveries.count))
            let stored = try await runtime.store.deliveries(DeliveryQuery(limit: 1_000))
            try await runtime.store.update(
                stored.map { row in
                    var row = row
                    row.status = deliveries[Int(row.changeID) - 1].status
                    return row
                })
            _ = try await runtime.store.append(
                orders.enumerated().map { index, order in
                    Message(
                        kind: .track, messageId: "order-\(index)", userId: order.0, event: "Order Completed",
                        timestamp: order.1, receivedAt: order.1)
                }, quarantine: [])
            let session = try await runtime.session()
            let table = try await session.lift(
                activation: "welcome", goal: nil, within: nil, asOf: Self.t0 + 30 * Self.day)
            func row(_ variant: String, _ group: String) throws -> [String: JSONValue] {
                let found = table.rows.first { $0[1] == .string(variant) && $0[2] == .string(group) }
                return Dictionary(uniqueKeysWithValues: zip(table.columns, try #require(found)).map { ($0, $1) })
            }
            func number(_ value: JSONValue?) -> Double? { value?.numberValue }
            let all = try row("", "treated")
            #expect(number(all["n"]) == 40 && number(all["converted"]) == 20 && number(all["rate"]) == 0.5)
            // statsmodels: confint_proportions_2indep(20, 40, 10, 40, method="newcomb", compare="diff") and
            // proportions_ztest([20, 10], [40, 40]).
            #expect(number(all["difference"]) == 0.25)
            #expect(number(all["difference_low"]) == 0.037889 && number(all["difference_high"]) == 0.433296)
            #expect(number(all["relative_lift"]) == 1)
            #expect(abs((number(all["p_value"]) ?? 0) - 0.020921335337794014) < 1e-12)
            let a = try row("a", "treated")
            #expect(number(a["n"]) == 30 && number(a["converted"]) == 15)
            #expect(number(a["difference_low"]) == 0.023143 && number(a["difference_high"]) == 0.450175)
            #expect(abs((number(a["p_value"]) ?? 0) - 0.030753561259274524) < 1e-12)
            // 10 profiles: not enough data for a comparison.
            let b = try row("b", "treated")
            #expect(
                number(b["n"]) == 10 && number(b["converted"]) == 5 && b["difference"] == .null && b["p_value"] == .null
            )
            let control = try row("", "control")
            #expect(number(control["n"]) == 40 && number(control["converted"]) == 10 && number(control["rate"]) == 0.25)
            // A 9-day window: t20's order, 8 days after the change, counts too.
            let wider = try await session.lift(
                activation: "welcome", goal: "\"Order Completed\"", within: 9 * Self.day, asOf: Self.t0 + 30 * Self.day)
            #expect(wider.rows.first?[4] == .number(21))
        }
    }
}
