import Synchronization

/// How far the real-time engine is behind the message log: the last message stored and the last one
/// whose changes are recorded, with the instant those recorded memberships are current to. The commits
/// and the engine's steps write it; the ingestion routes (back-pressure), the membership reads and
/// `GET /ready` read it without waiting for the engine.
final class Backlog: Sendable {
    private struct State {
        var stored: Int64
        var taken: Int64
        var currentTo: Int64?
        /// Whether changes are being recorded: committed to the change log, and not yet applied to the
        /// recorded memberships the reads answer from.
        var recording = false
    }

    private let state: Mutex<State>

    /// A backlog with every message up to `stored` counted as taken: the messages stored before the
    /// server began are not behind until the engine's start says where it resumes.
    init(stored: Int64) { state = Mutex(State(stored: stored, taken: stored)) }

    /// Notes the last message stored.
    func stored(through sequence: Int64) {
        state.withLock { $0.stored = max($0.stored, sequence) }
    }

    /// Notes the last message taken by the engine, its changes recorded, and the instant the recorded
    /// memberships are current to.
    func taken(through sequence: Int64, currentTo instant: Int64) {
        state.withLock {
            $0.taken = sequence
            $0.stored = max($0.stored, sequence)
            $0.currentTo = instant
        }
    }

    /// Notes that changes are being recorded (``isCurrent(through:at:)`` is false until
    /// ``recorded()``): a read that saw them in the change log then waits to see them in the memberships.
    func recording() {
        state.withLock { $0.recording = true }
    }

    /// Notes that the changes being recorded are applied to the recorded memberships, or failed.
    func recorded() {
        state.withLock { $0.recording = false }
    }

    /// The messages stored and not yet taken.
    var messages: Int64 { state.withLock { $0.stored - $0.taken } }

    /// The last message stored.
    var stored: Int64 { state.withLock { $0.stored } }

    /// Whether the engine has taken the messages up to a sequence and its recorded memberships are
    /// current to an instant, with no changes being recorded.
    func isCurrent(through sequence: Int64, at instant: Int64) -> Bool {
        state.withLock { !$0.recording && $0.taken >= sequence && ($0.currentTo ?? Int64.min) >= instant }
    }

    /// The instant the recorded memberships are current to; nil before the engine has started.
    var currentTo: Int64? { state.withLock { $0.currentTo } }
}
