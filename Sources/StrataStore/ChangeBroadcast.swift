import Synchronization

/// Hands recorded membership changes to every open change stream.
///
/// Each subscriber has a bounded buffer: one that falls too far behind is ended instead of being sent
/// an incomplete stream, and reconnects from its last event id (the store keeps every change).
final class ChangeBroadcast: Sendable {
    /// Batches a subscriber may have waiting before it is ended.
    static let buffered = 1024

    private struct State {
        var next = 0
        var subscribers: [Int: AsyncStream<[RecordedChange]>.Continuation] = [:]
    }

    private let state = Mutex(State())

    /// A new subscription: its id (for ``end(_:)``) and the stream of batches. An empty batch is a
    /// heartbeat.
    func subscribe() -> (id: Int, changes: AsyncStream<[RecordedChange]>) {
        let (stream, continuation) = AsyncStream.makeStream(
            of: [RecordedChange].self, bufferingPolicy: .bufferingOldest(Self.buffered))
        let id = state.withLock { state in
            state.next += 1
            state.subscribers[state.next] = continuation
            return state.next
        }
        continuation.onTermination = { [weak self] _ in self?.remove(id) }
        return (id, stream)
    }

    /// Sends a batch to every subscriber, ending those whose buffer is full.
    func send(_ batch: [RecordedChange]) {
        let subscribers = state.withLock { $0.subscribers }
        for (id, continuation) in subscribers {
            if case .dropped = continuation.yield(batch) {
                continuation.finish()
                remove(id)
            }
        }
    }

    /// Ends one subscription.
    func end(_ id: Int) {
        state.withLock { $0.subscribers.removeValue(forKey: id) }?.finish()
    }

    /// Ends every subscription (at shutdown).
    func endAll() {
        for continuation in state.withLock({ state in
            defer { state.subscribers = [:] }
            return state.subscribers.values
        }) {
            continuation.finish()
        }
    }

    private func remove(_ id: Int) {
        _ = state.withLock { $0.subscribers.removeValue(forKey: id) }
    }
}
