import StrataCore
import Synchronization

extension MemoryStore {
    /// What the change log holds: the recorded changes (a change's id is its position plus one), the
    /// live members they leave, the checkpoint, consumers' cursors and the latest batch runs.
    struct ChangeLogState: Sendable {
        /// The recorded changes, oldest first.
        var changes: [RecordedChange] = []
        /// The live members of each segment; a segment without members has no entry.
        var members: [String: Set<String>] = [:]
        /// The checkpoint of the latest commit.
        var checkpoint: LiveCheckpoint?
        /// The change id each named consumer has handled.
        var cursors: [String: Int64] = [:]
        /// The latest batch runs, oldest first, at most ``SQLiteStore/keptRuns`` of them.
        var runs: [MembershipRun] = []
        /// When each cadence segment was last recomputed.
        var recomputations: [String: Int64] = [:]
    }

    /// Appends changes to the log with the next ids, applies them to the live members and sets the
    /// checkpoint, atomically.
    @discardableResult
    public func recordChanges(
        _ changes: [MembershipChange], checkpoint: LiveCheckpoint, recordedAt: Int64
    ) async throws -> [RecordedChange] {
        changeLog.withLock { state in
            var recorded: [RecordedChange] = []
            recorded.reserveCapacity(changes.count)
            for change in changes {
                let entry = RecordedChange(id: Int64(state.changes.count + 1), change: change, recordedAt: recordedAt)
                state.changes.append(entry)
                recorded.append(entry)
                if change.entered {
                    state.members[change.segment, default: []].insert(change.profile)
                } else if var members = state.members.removeValue(forKey: change.segment) {
                    members.remove(change.profile)
                    if !members.isEmpty { state.members[change.segment] = members }
                }
            }
            state.checkpoint = checkpoint
            return recorded
        }
    }

    /// Replaces the live members with a whole new set and sets the checkpoint, recording no change.
    public func resetLiveMembers(_ members: [String: [String]], checkpoint: LiveCheckpoint) async throws {
        changeLog.withLock { state in
            state.members = members.filter { !$0.value.isEmpty }.mapValues(Set.init)
            state.checkpoint = checkpoint
        }
    }

    /// The checkpoint of the latest commit, or nil before the first.
    public func liveCheckpoint() async throws -> LiveCheckpoint? {
        changeLog.withLock { $0.checkpoint }
    }

    /// The current members of each segment, by segment name (segments without members left out).
    public func liveMembers() async throws -> [String: Set<String>] {
        changeLog.withLock { $0.members }
    }

    /// Recorded changes in id order: of one segment and one profile (all when nil), at or after the
    /// instant `since`, after the change id `after`, at most `limit` (all for a negative limit, as
    /// SQLite's `LIMIT`).
    public func changes(
        segment: String?, profile: String?, since: Int64?, after: Int64?, limit: Int
    ) async throws -> [RecordedChange] {
        changeLog.withLock { state in
            // Ids are positions plus one, so the changes after a cursor start at its position.
            let start = Int(clamping: min(Int64(state.changes.count), max(0, after ?? 0)))
            let found = state.changes[start...].lazy.filter { recorded in
                segment.map { recorded.change.segment == $0 } ?? true
                    && profile.map { recorded.change.profile == $0 } ?? true
                    && since.map { recorded.change.instant >= $0 } ?? true
            }
            return Array(found.prefix(limit < 0 ? .max : limit))
        }
    }

    /// The id of the last recorded change, 0 before the first.
    public func lastChangeID() async throws -> Int64 {
        changeLog.withLock { Int64($0.changes.count) }
    }

    /// The change id a named consumer has handled, nil when it never saved one.
    public func cursor(of consumer: String) async throws -> Int64? {
        changeLog.withLock { $0.cursors[consumer] }
    }

    /// Saves how far a named consumer got.
    public func saveCursor(_ changeID: Int64, of consumer: String) async throws {
        changeLog.withLock { $0.cursors[consumer] = changeID }
    }

    /// Stores a batch run, keeping only the latest ``SQLiteStore/keptRuns``; its segments are kept in
    /// byte order of their names, as SQLite reads them back.
    public func saveRun(_ run: MembershipRun) async throws {
        var sorted = run
        sorted.segments.sort { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        changeLog.withLock { state in
            state.runs.append(sorted)
            state.runs.removeFirst(max(0, state.runs.count - SQLiteStore.keptRuns))
        }
    }

    public func latestRunSizes() async throws -> [String: Int]? {
        changeLog.withLock { state in
            state.runs.last.map { run in
                Dictionary(run.segments.map { ($0.name, $0.size) }, uniquingKeysWith: max)
            }
        }
    }

    public func recordRecomputations(_ segments: [String], at instant: Int64) async throws {
        changeLog.withLock { state in
            for segment in segments {
                state.recomputations[segment] = max(state.recomputations[segment] ?? .min, instant)
            }
        }
    }

    public func recomputations() async throws -> [String: Int64] {
        changeLog.withLock { $0.recomputations }
    }
}
