import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Runs background work that must not compete with ingestion and evaluation for the cores, such as
/// writing a snapshot of the live engine: on a thread of its own at the lowest scheduling priority
/// (nice 19), which the kernel runs when the other threads leave a core idle and otherwise gives
/// about 1.5% of one.
///
/// With glibc (Linux) the nice value belongs to a thread, so only this thread is lowered; elsewhere it
/// can be the whole process's, and the thread keeps the usual priority.
public enum LowPriorityThread {
    /// Starts `body` on a new thread at the lowest priority and returns at once.
    public static func run(_ body: @escaping @Sendable () -> Void) {
        let thread = Thread {
            #if canImport(Glibc)
                // `who` 0 is the calling thread. Failing leaves the usual priority, which is still correct.
                _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 19)
            #endif
            body()
        }
        thread.name = "strata.low-priority"
        thread.start()
    }

    /// A pause to call between slices of long background work, keeping it to about `share` (0 to 1)
    /// of a core: each call sleeps for the time worked since the previous one, times
    /// (1 - share) / share. The lowest priority alone does not stop such work from slowing the
    /// threads that share the cores with it (memory, caches, the kernel's locks); spread out, it
    /// slows each of their steps less.
    public static func pacer(share: Double) -> () -> Void {
        let factor = (1 - share) / max(share, 0.01)
        var last = ContinuousClock.now
        return {
            let worked = ContinuousClock.now - last
            let seconds = Double(worked.components.seconds) + Double(worked.components.attoseconds) / 1e18
            Thread.sleep(forTimeInterval: seconds * factor)
            last = ContinuousClock.now
        }
    }
}
