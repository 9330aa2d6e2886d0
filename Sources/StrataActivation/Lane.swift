/// One destination's lane: at most `concurrency` sends in flight and at most `rate` started per second,
/// so a slow or failing destination holds back only its own deliveries.
actor Lane {
    private let concurrency: Int
    private let interval: Duration
    private var inFlight = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []
    private var nextStart = ContinuousClock.now

    /// A lane with a concurrency and a rate (starts per second).
    init(concurrency: Int, rate: Double) {
        self.concurrency = max(1, concurrency)
        interval = rate > 0 ? .nanoseconds(Int64(1e9 / rate)) : .zero
    }

    /// Runs `body` when the lane has room and the rate allows another start.
    nonisolated func run<T: Sendable>(_ body: @Sendable () async -> T) async -> T {
        await acquire()
        let result = await body()
        await release()
        return result
    }

    private func acquire() async {
        if inFlight >= concurrency {
            await withCheckedContinuation { waiting.append($0) }
        } else {
            inFlight += 1
        }
        let now = ContinuousClock.now
        let start = max(now, nextStart)
        nextStart = start + interval
        if start > now { try? await Task.sleep(until: start, clock: .continuous) }
    }

    private func release() {
        if waiting.isEmpty {
            inFlight -= 1
        } else {
            // The slot passes straight to the next waiter.
            waiting.removeFirst().resume()
        }
    }
}
