import Foundation
import StrataCore
import StrataEngine
import StrataRuntime
import StrataStore
import Testing

/// Retention anchored at the entry into a segment, from the change log, worked out by hand.
@Suite struct RetentionAnchorTests {
    static let t0: Int64 = 1_782_777_600_000
    static let day: Int64 = 86_400_000

    @Test func dayZeroIsEachProfilesFirstEntryInTheRange() async throws {
        try await withWorkspace(["segments/vip.yaml": "where: trait.vip = true\n"]) { runtime in
            // Events: ann logs in on days 1 and 9 after t0, bob on day 3, cy on day 10.
            let logins: [(String, Int64)] = [("ann", 1), ("ann", 9), ("bob", 3), ("cy", 10)]
            _ = try await runtime.store.append(
                logins.enumerated().map { index, login in
                    Message(
                        kind: .track, messageId: "login-\(index)", userId: login.0, event: "Logged In",
                        timestamp: Self.t0 + login.1 * Self.day, receivedAt: Self.t0 + login.1 * Self.day)
                }, quarantine: [])
            // Entries: ann at t0 (again at +8 days: her first in the range counts), bob at +2 days, cy at
            // +9 days, dee before the range (left out).
            let changes: [(String, Bool, Int64)] = [
                ("dee", true, -5 * Self.day), ("ann", true, 0), ("bob", true, 2 * Self.day),
                ("ann", false, 4 * Self.day),
                ("ann", true, 8 * Self.day), ("cy", true, 9 * Self.day),
            ]
            try await runtime.store.recordChanges(
                changes.map {
                    MembershipChange(
                        segment: "vip", profile: $0.0, entered: $0.1, instant: Self.t0 + $0.2, cause: .time)
                }, checkpoint: LiveCheckpoint(sequence: 0, instant: Self.t0 + 9 * Self.day), recordedAt: Self.t0)
            let session = try await runtime.session()
            let report = try await session.retention(
                segments: ["vip"],
                cohorts: CohortOptions(anchor: .entry, from: Self.t0, to: Self.t0 + 10 * Self.day, baseline: false),
                returns: "\"Logged In\"", days: [1, 7], mode: .on, compareDay: 7, asOf: Self.t0 + 12 * Self.day)
            // d0: ann +0d, bob +2d, cy +9d. Day 1 is [d0 + 1d, d0 + 2d): ann's login at +1d, bob's at +3d and
            // cy's at +10d all fall in it. Day 7 is [d0 + 7d, d0 + 8d): ann's [+7d, +8d) and bob's [+9d, +10d)
            // hold no login; cy's ends at +17d, after the report's +12d, so cy is not eligible.
            let cells = try #require(report.rows.first { $0.cohort == "vip" }).cells
            #expect(cells.map(\.size) == [3, 3])
            #expect(cells.map(\.eligible) == [3, 2])
            #expect(cells.map(\.returned) == [3, 0])
        }
    }
}
