import Testing

@testable import StrataServer

/// The dashboard runs one simulation at a time: a second asked for meanwhile is refused, not queued.
@Suite struct SimulationGateTests {
    @Test func aSecondSimulationWhileOneRunsIsRefusedAndTheNextAfterItRuns() async throws {
        let gate = Dashboard.SimulationGate()
        let (started, startedContinuation) = AsyncStream.makeStream(of: Void.self)
        let (release, releaseContinuation) = AsyncStream.makeStream(of: Void.self)
        let first = Task {
            try await gate.run {
                startedContinuation.yield()
                for await _ in release { break }
                return 1
            }
        }
        for await _ in started { break }
        #expect(try await gate.run { 2 } == nil)
        releaseContinuation.yield()
        #expect(try await first.value == 1)
        #expect(try await gate.run { 3 } == 3)
    }
}
