import StrataStore
import Testing

/// When cadence segments were last recomputed, the same for every backend.
struct RecomputationContractTests {
    @Test(arguments: Backend.allCases)
    func theLatestInstantOfEachSegmentIsKept(_ backend: Backend) async throws {
        try await backend.withStore { store in
            #expect(try await store.recomputations() == [:])
            try await store.recordRecomputations(["top-decile", "vip"], at: 1_000)
            try await store.recordRecomputations(["vip"], at: 5_000)
            // An older instant (a recomputation that finished late) does not move it back.
            try await store.recordRecomputations(["vip"], at: 3_000)
            try await store.recordRecomputations([], at: 9_000)
            #expect(try await store.recomputations() == ["top-decile": 1_000, "vip": 5_000])
        }
    }
}
