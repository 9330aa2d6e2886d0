import Foundation
import StrataEngine
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
}
