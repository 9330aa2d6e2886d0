import Foundation
import StrataCore
import StrataLanguage
import StrataRuntime
import StrataStore
import Testing

/// `strata activations simulate`: history replayed through the decisions, real-time segments and
/// segments recomputed on a cadence alike.
@Suite struct SimulationTests {
    /// 2026-06-30T00:00:00Z.
    static let t0: Int64 = 1_782_777_600_000
    static let hour: Int64 = 3_600_000

    /// A workspace with a real-time segment (bought in the last 2 days), a daily one (bought in the last
    /// 30 days), an activation on each, and orders: cy 10 days before t0, ann 1 hour after, bob 30 hours
    /// after.
    func session(_ body: (EvaluationSession) async throws -> Void) async throws {
        let files = [
            "segments/buyers.yaml": "where: did(\"Order Completed\", last 2d)\n",
            "segments/monthly-buyers.yaml": "refresh: daily\nwhere: did(\"Order Completed\", last 30d)\n",
            "destinations/out.yaml": "kind: file\npath: out.jsonl\n",
            "activations/thanks.yaml": "segment: buyers\non: enter\nsteps:\n  - destination: out\n",
            "activations/lapsed.yaml": "segment: buyers\non: exit\nsteps:\n  - destination: out\n",
            "activations/monthly.yaml": "segment: monthly-buyers\non: enter\nsteps:\n  - destination: out\n",
        ]
        try await withWorkspace(files) { runtime in
            let orders = [
                ("cy", Self.t0 - 240 * Self.hour), ("ann", Self.t0 + Self.hour), ("bob", Self.t0 + 30 * Self.hour),
            ]
            _ = try await runtime.store.append(
                orders.map { user, time in
                    Message(
                        kind: .track, messageId: "order-\(user)", userId: user, event: "Order Completed",
                        timestamp: time,
                        receivedAt: time)
                }, quarantine: [])
            try await body(try await runtime.session())
        }
    }

    @Test func aRealTimeSegmentMovesAtItsChangesInstants() async throws {
        try await session { session in
            let to = Self.t0 + 72 * Self.hour
            // ann enters at +1h and leaves at +49h; bob enters at +30h (and leaves at +78h, after the window).
            let thanks = try await session.simulate(activation: "thanks", from: Self.t0, to: to)
            #expect(thanks.changes == 3)
            #expect(thanks.triggers == 2)
            #expect(thanks.deliveries.map(\.profile) == ["ann", "bob"])
            #expect(thanks.deliveries.map(\.changeInstant) == [Self.t0 + Self.hour, Self.t0 + 30 * Self.hour])
            #expect(thanks.deliveries.allSatisfy { $0.status == .sent })
            // Counted as the command and the dashboard show them: ann's due on 06-30, bob's on 07-01 (UTC).
            #expect(thanks.statuses == [.sent])
            #expect(thanks.byStatus == [.sent: 2])
            #expect(
                thanks.byDay(in: .utc) == [
                    CivilDate(year: 2026, month: 6, day: 30): [.sent: 1],
                    CivilDate(year: 2026, month: 7, day: 1): [.sent: 1],
                ])
            #expect(thanks.byVariant.isEmpty)
            let lapsed = try await session.simulate(activation: "lapsed", from: Self.t0, to: to)
            #expect(lapsed.deliveries.map(\.profile) == ["ann"])
            #expect(lapsed.deliveries.map(\.changeInstant) == [Self.t0 + 49 * Self.hour])
        }
    }

    @Test func aCadenceSegmentMovesAtItsRecomputations() async throws {
        try await session { session in
            // Daily from t0: cy is a member already; ann enters at the recomputation of +24h, bob at +48h.
            let monthly = try await session.simulate(activation: "monthly", from: Self.t0, to: Self.t0 + 72 * Self.hour)
            #expect(monthly.changes == 2)
            #expect(monthly.deliveries.map(\.profile) == ["ann", "bob"])
            #expect(monthly.deliveries.map(\.changeInstant) == [Self.t0 + 24 * Self.hour, Self.t0 + 48 * Self.hour])
            #expect(monthly.deliveries.map(\.cause) == ["cadence", "cadence"])
            #expect(monthly.deliveries.allSatisfy { $0.status == .sent })
            // A daily segment over 1,001 days needs more than 1,000 evaluations: refused with a reason.
            let error = await #expect(throws: SessionError.self) {
                _ = try await session.simulate(
                    activation: "monthly", from: Self.t0, to: Self.t0 + 1_001 * 24 * Self.hour)
            }
            #expect(
                error?.message
                    == "the window needs more than 1000 recomputations of monthly-buyers on their cadence: choose a shorter window"
            )
        }
    }
}
