import Foundation
import StrataStore
import Testing

struct RunTests {
    @Test func latestRunRoundTripsAndOldRunsArePruned() async throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try SQLiteStore(path: folder.appendingPathComponent("strata.db").path)
        #expect(try await store.latestRun() == nil)
        for run in 0..<(SQLiteStore.keptRuns + 3) {
            try await store.saveRun(
                MembershipRun(
                    asOf: Int64(run), computedAt: 1000 + Int64(run), profiles: 10,
                    segments: [
                        .init(name: "b", members: ["z", "a", "\(run)"], seconds: 0.5),
                        .init(name: "a", members: [], seconds: 0.25),
                    ]))
        }
        let latest = try #require(try await store.latestRun())
        #expect(latest.asOf == Int64(SQLiteStore.keptRuns + 2))
        #expect(latest.segments.map(\.name) == ["a", "b"])
        #expect(latest.segments[0].members == [])
        #expect(latest.segments[1].members == ["22", "a", "z"])  // sorted by bytes
        #expect(latest.segments[1].seconds == 0.5)
    }
}
