import Foundation
import StrataCore
import StrataEngine
import Synchronization

/// Runs background tasks' work on one thread of its own at the lowest priority
/// (``LowPriorityThread``), off the cooperative threads that answer requests: a task started with this
/// executor as its preference runs its code here (that of the actors it calls too, unless they have
/// executors of their own), one job at a time in the order they come. What the dashboard keeps
/// (reports over the stored events and the change log) is made this way, so that making it for a
/// large workspace neither holds a request's thread nor competes with ingestion for the cores.
final class BackgroundExecutor: TaskExecutor, Sendable {
    /// The one background thread.
    static let shared = BackgroundExecutor()

    private let jobs = Mutex<[UnownedJob]>([])
    private let ready = DispatchSemaphore(value: 0)

    private init() {
        LowPriorityThread.run { [self] in
            while true {
                ready.wait()
                let job = jobs.withLock { $0.removeFirst() }
                job.runSynchronously(on: asUnownedTaskExecutor())
            }
        }
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        jobs.withLock { $0.append(job) }
        ready.signal()
    }
}
