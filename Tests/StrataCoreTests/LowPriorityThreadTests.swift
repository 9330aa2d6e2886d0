import Foundation
import StrataCore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Background work such as snapshot writing runs at the lowest priority, on a thread of its own, and
/// leaves the priority of the thread that started it alone.
@Suite("Low-priority work")
struct LowPriorityThreadTests {
    #if canImport(Glibc)
        /// The nice value of the calling thread.
        static func nice() -> Int32 { getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0) }

        @Test("the work runs at nice 19, and the caller's thread keeps its nice value")
        func lowered() async {
            let before = Self.nice()
            let during = await withCheckedContinuation { (continuation: CheckedContinuation<Int32, Never>) in
                LowPriorityThread.run { continuation.resume(returning: Self.nice()) }
            }
            #expect(during == 19)
            #expect(before != 19)
            #expect(Self.nice() == before)
        }
    #endif

    /// Only a lower bound is asserted: a sleep never ends early, however busy the machine.
    @Test("a pacer at a fifth of a core sleeps at least four times as long as the work before it")
    func pacer() {
        let pause = LowPriorityThread.pacer(share: 0.2)
        let started = ContinuousClock.now
        while ContinuousClock.now - started < .milliseconds(10) {}
        let worked = ContinuousClock.now - started
        let pausing = ContinuousClock.now
        pause()
        #expect(ContinuousClock.now - pausing >= worked * 4)
    }
}
