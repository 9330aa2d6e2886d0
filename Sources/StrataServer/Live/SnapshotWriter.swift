import Foundation
import Logging
import StrataCore
import StrataEngine
import StrataStore
import Synchronization

/// Writes snapshots of the live engine to their file (``DurableFile``) in the background, one after
/// another, at the lowest priority (``LowPriorityThread``), so that writing them does not delay
/// membership changes.
final class SnapshotWriter: Sendable {
    /// The share of a core a snapshot is written with while the server runs (at shutdown, as fast as
    /// it can): spread out, it slows the engine's steps less.
    static let share = 0.25

    /// The snapshot file.
    let url: URL
    private let metrics: Metrics
    private let logger: Logger
    /// The last write started, awaited before the next one, and how many are being written.
    private let state = Mutex<(last: Task<Void, Never>?, writing: Int)>((nil, 0))
    /// Set by ``finish()``: the writes under way stop pacing themselves.
    private let hurried = Atomic<Bool>(false)

    init(url: URL, metrics: Metrics, logger: Logger) {
        self.url = url
        self.metrics = metrics
        self.logger = logger
    }

    /// Whether a snapshot is being written: a periodic one is not taken meanwhile.
    var isWriting: Bool { state.withLock { $0.writing > 0 } }

    /// Writes a snapshot once the one before it is written, paced (``share``) unless at shutdown. The
    /// writer holds the snapshot's only reference and lets go of it a part at a time.
    func write(_ snapshot: LiveEngine.Snapshot, sequence: Int64, paced: Bool) {
        let held = HeldSnapshot(snapshot)
        let (url, metrics, logger) = (url, metrics, logger)
        state.withLock { state in
            let previous = state.last
            state.writing += 1
            state.last = Task {
                await previous?.value
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    LowPriorityThread.run {
                        let started = ContinuousClock.now
                        let pause = paced ? self.pacer() : nil
                        do {
                            try DurableFile.replace(
                                url, with: held.snapshot.encoded(pausing: pause), pausing: pause ?? {})
                            let seconds = (ContinuousClock.now - started).seconds
                            metrics.recordSnapshotWritten(sequence: sequence, seconds: seconds)
                            logger.debug(
                                "real-time memberships: snapshot written",
                                metadata: ["sequence": "\(sequence)", "seconds": "\(seconds)"])
                        } catch {
                            logger.error(
                                "real-time memberships: cannot write the snapshot", metadata: ["error": "\(error)"])
                            metrics.recordSnapshotFailed()
                        }
                        held.snapshot.release(pausing: pause ?? {})
                        continuation.resume()
                    }
                }
                self.state.withLock { $0.writing -= 1 }
            }
        }
    }

    /// At shutdown: lets the writes under way go at full speed and waits until they are written, or
    /// until the task is cancelled (the server's `shutdown_timeout` passed). A write cut short by the
    /// process's exit leaves the snapshot before it in place (``DurableFile``).
    func finish() async {
        hurried.store(true, ordering: .relaxed)
        while isWriting {
            do {
                try await Task.sleep(for: .milliseconds(10))
            } catch {
                return
            }
        }
    }

    /// The pause of a paced write: as ``LowPriorityThread/pacer(share:)`` with ``share`` until
    /// ``finish()`` is called, then none.
    private func pacer() -> () -> Void {
        let pace = LowPriorityThread.pacer(share: Self.share)
        return { if !self.hurried.load(ordering: .relaxed) { pace() } }
    }
}

/// A snapshot of the engine handed to the thread that writes it, which holds its only reference and
/// so can let go of it a part at a time (``LiveEngine/Snapshot/release(pausing:)``).
private final class HeldSnapshot: @unchecked Sendable {
    var snapshot: LiveEngine.Snapshot

    init(_ snapshot: LiveEngine.Snapshot) { self.snapshot = snapshot }
}
