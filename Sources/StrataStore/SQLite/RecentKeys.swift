import Synchronization

/// The index keys of the newest messages, those after the last epoch of the log's index, kept in memory
/// by the writer so that a lookup finds them without reading their blocks (a profile read at the end of
/// a long stretch since the last epoch would otherwise decode up to ``BlockLog/epochLength`` records).
///
/// It covers the sequences after `covered.after` up to `covered.through`: every message stored there has
/// its keys in it. The writer adds a transaction's keys before it commits, so no reader sees a message
/// the index lacks; the keys of a transaction rolled back stay, and readers skip what they find there, as
/// they skip other profiles sharing a key's hash. A reader whose snapshot the index does not cover
/// (another process wrote, or an epoch was completed since, or nothing has written in this process)
/// reads the blocks, and leaves their keys here for the lookups after it. The writer keeps the index
/// only once a lookup has asked for it, so bulk imports, which look nothing up, pay nothing.
final class RecentKeys: Sendable {
    private struct State {
        /// Whether a lookup has asked for the index.
        var wanted = false
        /// The sequences covered, nil until the writer builds the index.
        var covered: (after: Int64, through: Int64)?
        /// Each key's newest entry in `entries`.
        var heads: [UInt64: Int32] = [:]
        /// Sequences, each with the key's next older entry (-1 for none).
        var entries: [(sequence: Int64, older: Int32)] = []

        mutating func add(_ key: UInt64, _ sequence: Int64) {
            entries.append((sequence, heads[key] ?? -1))
            heads[key] = Int32(entries.count - 1)
        }
    }

    private let state = Mutex(State())

    /// An index nobody has asked for yet.
    init() {}

    /// The sequences after `after` and up to `through` that any of `keys` finds, in no particular order;
    /// nil when the index does not cover them (the caller reads the blocks instead).
    func sequences(of keys: Set<UInt64>, after: Int64, through: Int64) -> [Int64]? {
        state.withLock { state in
            guard let covered = state.covered, covered.after <= after, covered.through >= through else {
                state.wanted = true
                return nil
            }
            var found: [Int64] = []
            for key in keys {
                var entry = state.heads[key] ?? -1
                while entry >= 0 {
                    let (sequence, older) = state.entries[Int(entry)]
                    if sequence > after && sequence <= through { found.append(sequence) }
                    entry = older
                }
            }
            return found
        }
    }

    /// Called by a reader that read the blocks after `after` up to `through` because the index did not
    /// cover them (``sequences(of:after:through:)``): their keys become the index unless it covers as
    /// much already, or the reader's snapshot is older than the index (its epoch or its end).
    func remember(_ keys: [(key: UInt64, sequence: Int64)], after: Int64, through: Int64) {
        state.withLock { state in
            state.wanted = true
            if let covered = state.covered, covered.after > after || covered.through >= through { return }
            state.heads = [:]
            state.entries = []
            state.entries.reserveCapacity(keys.count)
            for (key, sequence) in keys { state.add(key, sequence) }
            state.covered = (after, through)
        }
    }

    /// Called by the writer inside an append's transaction, once the messages are in `log` and before
    /// their epochs are written: `added` are the keys of the messages after `start` (the log's end when
    /// the transaction began). Extends the index when it ended at `start`; builds it again from the log
    /// otherwise (the first time, after another process wrote, after a rollback).
    func append(_ added: ArraySlice<(key: UInt64, sequence: Int64)>, after start: Int64, log: BlockLog) {
        state.withLock { state in
            guard state.wanted else { return }
            guard let covered = state.covered, covered.through == start, covered.after == log.through else {
                Self.rebuild(&state, from: log)
                return
            }
            for (key, sequence) in added { state.add(key, sequence) }
            state.covered = (covered.after, log.end)
        }
    }

    /// Called by the writer after it wrote the log's epochs in a transaction: an epoch completed leaves
    /// its messages to the index's table, and the index starts after it.
    func epochsWritten(_ log: BlockLog) {
        state.withLock { state in
            guard state.wanted, let covered = state.covered, covered.after != log.through else { return }
            Self.rebuild(&state, from: log)
        }
    }

    private static func rebuild(_ state: inout State, from log: BlockLog) {
        state.heads = [:]
        state.entries = []
        state.entries.reserveCapacity(log.sealed.count + log.pending.count)
        for (key, sequence) in log.sealed { state.add(key, sequence) }
        for (key, sequence) in log.pending { state.add(key, sequence) }
        state.covered = (log.through, log.end)
    }
}
