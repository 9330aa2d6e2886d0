import Dispatch
import Foundation

/// Runs work on every core: per-profile work split into chunks, each chunk run with its own
/// ``Evaluator`` as plain synchronous code, or a few independent tasks on a thread each.
enum Parallel {
    /// A pointer shared by the chunks of one map; each chunk writes its own disjoint range.
    private struct SharedPointer<T>: @unchecked Sendable {
        let base: UnsafeMutablePointer<T>
    }

    /// `body(evaluator, i)` for every i in `0..<count`, in order, computed on up to `workers` threads.
    static func map<T>(count: Int, workers: Int, _ body: @escaping @Sendable (Evaluator, Int) -> T) -> [T] {
        let chunk = max(64, count / max(1, workers * 16) + 1)
        let chunks = (count + chunk - 1) / chunk
        return fill(count: count, iterations: chunks, parallel: workers > 1) { base, c in
            let evaluator = Evaluator()
            let low = c * chunk
            for i in low..<min(count, low + chunk) { (base + i).initialize(to: body(evaluator, i)) }
        }
    }

    /// `body(i)` for every i in `0..<count`, in order, each on a thread of its own as far as cores allow.
    static func each<T>(count: Int, _ body: @escaping @Sendable (Int) -> T) -> [T] {
        fill(count: count, iterations: count, parallel: true) { base, i in (base + i).initialize(to: body(i)) }
    }

    /// `side()` on a thread of its own while `main()` runs on the calling thread, which may itself
    /// spread its work over the cores (GCD would run a `side` given to it by ``each(count:_:)`` in place
    /// of the work `main` spreads).
    static func alongside<S: Sendable, M>(_ side: @escaping @Sendable () -> S, while main: () -> M) -> (S, M) {
        let outcome = SideOutcome<S>()
        Thread {
            outcome.value = side()
            outcome.done.signal()
        }.start()
        let result = main()
        outcome.done.wait()
        guard let value = outcome.value else { preconditionFailure("the side work ended without a value") }
        return (value, result)
    }

    /// An array of `count` values that `iterations` calls of `run` initialize, each call its own part.
    private static func fill<T>(
        count: Int, iterations: Int, parallel: Bool,
        _ run: @escaping @Sendable (UnsafeMutablePointer<T>, Int) -> Void
    ) -> [T] {
        guard count > 0 else { return [] }
        return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            guard let base = buffer.baseAddress else {
                initialized = 0
                return
            }
            let shared = SharedPointer(base: base)
            if !parallel || iterations == 1 {
                for i in 0..<iterations { run(shared.base, i) }
            } else {
                DispatchQueue.concurrentPerform(iterations: iterations) { run(shared.base, $0) }
            }
            initialized = count
        }
    }
}

/// What ``Parallel/alongside(_:while:)``'s side work gives, written once by its thread before it signals.
private final class SideOutcome<S>: @unchecked Sendable {
    var value: S?
    let done = DispatchSemaphore(value: 0)
}
