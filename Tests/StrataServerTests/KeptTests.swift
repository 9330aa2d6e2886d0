import Synchronization
import Testing

@testable import StrataServer

/// What the dashboard keeps is never waited for: nothing at first, then the value made in the
/// background, then the old value while a newer one is made.
@Suite struct KeptTests {
    struct Refused: Error {}

    /// Reads a key until `done` holds, starting no making of its own (an hour's age keeps anything).
    static func read(
        _ kept: Dashboard.Kept<Int>, _ key: String, until done: (Dashboard.Kept<Int>.Made?) -> Bool
    ) async throws -> Dashboard.Kept<Int>.Made? {
        for _ in 0..<2000 {
            let made = await kept.value(key, maxAge: .seconds(3600)) { -1 }
            if done(made) { return made }
            try await Task.sleep(for: .milliseconds(5))
        }
        Issue.record("\(key) was not made")
        return nil
    }

    @Test func aFirstReadFindsNothingThenTheValueThenTheOldOneWhileTheNextIsMade() async throws {
        let kept = Dashboard.Kept<Int>()
        let makes = Mutex(0)
        let (first, releaseFirst) = AsyncStream.makeStream(of: Void.self)
        let (second, releaseSecond) = AsyncStream.makeStream(of: Void.self)
        func making(_ value: Int, after gate: AsyncStream<Void>) -> @Sendable () async throws -> Int {
            {
                makes.withLock { $0 += 1 }
                for await _ in gate { break }
                return value
            }
        }
        #expect(await kept.value("k", maxAge: .seconds(3600), make: making(1, after: first)) == nil)
        // Asked again while it is being made: still nothing, and no second making.
        #expect(await kept.value("k", maxAge: .zero, make: making(9, after: first)) == nil)
        releaseFirst.yield()
        let made = try await Self.read(kept, "k") { $0 != nil }
        #expect(try made?.result.get() == 1)
        #expect(makes.withLock { $0 } == 1)
        // Out of date: the old value at once, and one new making however often it is asked for.
        #expect(try await kept.value("k", maxAge: .zero, make: making(2, after: second))?.result.get() == 1)
        #expect(try await kept.value("k", maxAge: .zero, make: making(8, after: second))?.result.get() == 1)
        releaseSecond.yield()
        let next = try await Self.read(kept, "k") { (try? $0?.result.get()) == 2 }
        #expect(try next?.result.get() == 2)
        #expect(makes.withLock { $0 } == 2)
        // Another key is made apart.
        #expect(await kept.value("other", maxAge: .seconds(3600)) { 3 } == nil)
        #expect(try await Self.read(kept, "other") { $0 != nil }?.result.get() == 3)
    }

    @Test func aFailureIsKeptAsAValueIsUntilItIsOutOfDate() async throws {
        let kept = Dashboard.Kept<Int>()
        #expect(await kept.value("k", maxAge: .seconds(3600)) { throw Refused() } == nil)
        let made = try await Self.read(kept, "k") { $0 != nil }
        #expect(throws: Refused.self) { try made?.result.get() }
        // Within the age the failure is what is kept; past it, it is made again.
        let within = await kept.value("k", maxAge: .seconds(3600)) { 4 }
        #expect(throws: Refused.self) { try within?.result.get() }
        let past = await kept.value("k", maxAge: .zero) { 5 }
        #expect(throws: Refused.self) { try past?.result.get() }
        #expect(try await Self.read(kept, "k") { (try? $0?.result.get()) == 5 }?.result.get() == 5)
    }
}
