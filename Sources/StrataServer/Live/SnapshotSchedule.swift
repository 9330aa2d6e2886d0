/// When the live engine's next snapshot is due: a restart resumes from the latest one and takes the
/// messages after it again, so snapshots are due by messages taken and by time with anything moved.
struct SnapshotSchedule {
    /// How many messages taken make a new snapshot due, so that a restart after a crash takes at most
    /// about this many again.
    static let messages: Int64 = 100_000
    /// How long after a snapshot a new one is due when anything moved (time-driven changes are taken
    /// again on a restart, one due instant at a time).
    static let interval = Duration.seconds(600)

    /// The sequence of the latest snapshot written or resumed from.
    private(set) var sequence: Int64 = -1
    /// When it was taken.
    private var taken = ContinuousClock.now
    /// Whether changes were recorded since.
    var changedSince = false

    /// Notes a snapshot taken (or resumed from) at a sequence.
    mutating func taken(at sequence: Int64) {
        self.sequence = sequence
        taken = .now
        changedSince = false
    }

    /// Whether anything moved since the latest snapshot, with `processed` the last sequence taken.
    func isStale(processed: Int64) -> Bool {
        processed != sequence || changedSince
    }

    /// Whether a new snapshot is due: enough messages taken since the last, or enough time with
    /// anything moved, and none still being written (a writer at the lowest priority can take a while
    /// on a busy machine).
    func isDue(processed: Int64, writing: Bool) -> Bool {
        guard !writing else { return false }
        return processed - sequence >= Self.messages
            || (isStale(processed: processed) && ContinuousClock.now - taken >= Self.interval)
    }
}
