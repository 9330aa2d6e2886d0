import Foundation
import StrataCore
import StrataEngine
import Synchronization

/// Hands the clusters a ``LiveEngine/Warmer`` reads back, on a thread of its own, to the steps that
/// hold them in the engine: at most a few parts wait at a time, so that the warming thread never runs
/// far ahead of the engine.
final class WarmFeed: Sendable {
    private struct State {
        var parts: [LiveEngine.Warmed] = []
        var finished = false
        var cancelled = false
    }

    /// The most parts waiting to be held.
    static let waitingParts = 2

    private let state = Mutex(State())
    /// Counts the parts that may still be read before one is taken. Made with 0 and signalled: a
    /// semaphore let go of below the value it was made with is taken to be in use, and traps.
    private let room = DispatchSemaphore(value: 0)

    /// Reads parts with `warmer` on a thread at the lowest priority, ringing `doorbell` after each:
    /// until none is left, the feed is cancelled, or a read fails (reported to `failed`; the clusters
    /// are then read when first needed, as without warming).
    init(
        _ warmer: LiveEngine.Warmer, messages: Int, doorbell: Doorbell,
        failed: @escaping @Sendable (any Error) -> Void
    ) {
        for _ in 0..<Self.waitingParts { room.signal() }
        LowPriorityThread.run { [self] in
            var warmer = warmer
            while true {
                room.wait()
                guard !state.withLock({ $0.cancelled }) else { break }
                do {
                    guard let part = try warmer.next(messages: messages) else { break }
                    state.withLock { $0.parts.append(part) }
                } catch {
                    failed(error)
                    break
                }
                doorbell.ring()
            }
            state.withLock { $0.finished = true }
            doorbell.ring()
        }
    }

    /// The parts read since the last call, and whether warming has ended (none will follow).
    func take() -> (parts: [LiveEngine.Warmed], finished: Bool) {
        let taken = state.withLock { state in
            defer { state.parts = [] }
            return (parts: state.parts, finished: state.finished)
        }
        for _ in taken.parts { room.signal() }
        return taken
    }

    /// Stops warming after the part being read, if any.
    func cancel() {
        state.withLock { $0.cancelled = true }
        room.signal()
    }
}
