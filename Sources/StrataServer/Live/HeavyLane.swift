import Dispatch
import StrataCore
import StrataEngine
import Synchronization

/// Evaluates heavy clusters (``LiveEngine/HeavyJob``) on a thread of its own, one at a time, beside
/// the steps: the step after one finishes applies it (``LiveEngine/apply(_:)``) and gives the next.
final class HeavyLane: Sendable {
    private struct State {
        var running: Task<LiveEngine.HeavyResult, Never>?
        var finished = false
    }

    private let queue = DispatchQueue(label: "strata.live.heavy")
    private let state = Mutex(State())

    /// Whether an evaluation is under way or finished and not yet taken.
    var isBusy: Bool { state.withLock { $0.running != nil } }

    /// Starts evaluating a heavy cluster, and rings `doorbell` when it is done.
    func start(_ job: LiveEngine.HeavyJob, doorbell: Doorbell) {
        state.withLock { $0 = State() }
        let task = Task {
            let result = await withCheckedContinuation { continuation in
                self.queue.async { continuation.resume(returning: job.run()) }
            }
            self.state.withLock { $0.finished = true }
            doorbell.ring()
            return result
        }
        state.withLock { $0.running = task }
    }

    /// The evaluation that finished, taken; nil when none did.
    func finished() async -> LiveEngine.HeavyResult? {
        let task = state.withLock { state -> Task<LiveEngine.HeavyResult, Never>? in
            guard state.finished, let task = state.running else { return nil }
            state = State()
            return task
        }
        return await task?.value
    }

    /// The evaluation under way once it finishes, taken; nil when none is.
    func wait() async -> LiveEngine.HeavyResult? {
        let task = state.withLock { state -> Task<LiveEngine.HeavyResult, Never>? in
            defer { state = State() }
            return state.running
        }
        return await task?.value
    }
}
