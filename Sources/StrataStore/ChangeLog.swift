import StrataCore

/// The one membership history of the live memberships: every enter and exit with its instant and
/// cause, the members those changes leave, the live engine's checkpoint recorded with them, the
/// cursors of the consumers that read the log, and the results of batch runs.
///
/// Batch runs (`strata run --as-of T`) are kept apart from the change log: they evaluate any instant,
/// past ones included, so their differences are not changes that happened at one moment of the live
/// history; they are kept for the next run's comparison.
public protocol ChangeLog: Sendable {
    /// Appends membership changes to the change log in order, applies them to the live members (an
    /// enter adds the profile, an exit removes it) and sets the live checkpoint, in one transaction.
    /// With no changes, only the checkpoint moves. Returns the changes as recorded, with their ids.
    @discardableResult
    func recordChanges(
        _ changes: [MembershipChange], checkpoint: LiveCheckpoint, recordedAt: Int64
    ) async throws -> [RecordedChange]

    /// Replaces the live members with a whole new set and sets the checkpoint, recording no change (the
    /// first start of the real-time engine over an existing store). Each segment's members may repeat
    /// and come in any order; sorted by bytes, they are written fastest.
    func resetLiveMembers(_ members: [String: [String]], checkpoint: LiveCheckpoint) async throws

    /// The checkpoint of the latest ``recordChanges(_:checkpoint:recordedAt:)``, or nil before the first.
    func liveCheckpoint() async throws -> LiveCheckpoint?

    /// The current members of each segment as the change log leaves them, by segment name.
    func liveMembers() async throws -> [String: Set<String>]

    /// Recorded changes, oldest first: of one segment and of one profile (all when nil), at or after
    /// the instant `since`, after the change id `after` (a cursor), at most `limit` of them.
    func changes(
        segment: String?, profile: String?, since: Int64?, after: Int64?, limit: Int
    ) async throws -> [RecordedChange]

    /// The id of the last recorded change, 0 before the first.
    func lastChangeID() async throws -> Int64

    /// The change id a named consumer of the log has handled, nil when it never saved one.
    func cursor(of consumer: String) async throws -> Int64?

    /// Saves how far a named consumer of the log got: a restart resumes after this change id.
    func saveCursor(_ changeID: Int64, of consumer: String) async throws

    /// Stores the result of a batch run; only the latest runs are kept.
    func saveRun(_ run: MembershipRun) async throws

    /// The number of members of each segment in the latest stored batch run, or nil before the first.
    func latestRunSizes() async throws -> [String: Int]?

    /// Records that segments recomputed on a cadence were evaluated as of an instant (an earlier
    /// instant than the one recorded changes nothing).
    func recordRecomputations(_ segments: [String], at instant: Int64) async throws

    /// The instant each segment recomputed on a cadence was last evaluated as of, by name.
    func recomputations() async throws -> [String: Int64]
}

extension ChangeLog {
    /// ``changes(segment:profile:since:after:limit:)`` of every profile.
    public func changes(segment: String?, since: Int64?, after: Int64?, limit: Int) async throws -> [RecordedChange] {
        try await changes(segment: segment, profile: nil, since: since, after: after, limit: limit)
    }
}
