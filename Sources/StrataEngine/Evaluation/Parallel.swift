import Dispatch

/// Runs per-profile work on every core: profiles are split into chunks and each chunk runs, with its
/// own ``Evaluator``, as plain synchronous code.
enum Parallel {
    /// A pointer shared by the chunks of one map; each chunk writes its own disjoint range.
    private struct SharedPointer<T>: @unchecked Sendable {
        let base: UnsafeMutablePointer<T>
    }

    /// `body(evaluator, i)` for every i in `0..<count`, in order, computed on up to `workers` threads.
    static func map<T>(count: Int, workers: Int, _ body: @escaping @Sendable (Evaluator, Int) -> T) -> [T] {
        guard count > 0 else { return [] }
        let chunk = max(64, count / max(1, workers * 16) + 1)
        let chunks = (count + chunk - 1) / chunk
        return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            guard let base = buffer.baseAddress else {
                initialized = 0
                return
            }
            let shared = SharedPointer(base: base)
            let run: @Sendable (Int) -> Void = { c in
                let evaluator = Evaluator()
                let low = c * chunk
                let high = min(count, low + chunk)
                for i in low..<high { (shared.base + i).initialize(to: body(evaluator, i)) }
            }
            if workers <= 1 || chunks == 1 {
                for c in 0..<chunks { run(c) }
            } else {
                DispatchQueue.concurrentPerform(iterations: chunks, execute: run)
            }
            initialized = count
        }
    }
}
