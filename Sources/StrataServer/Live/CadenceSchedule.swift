import StrataEngine
import StrataLanguage

/// When each segment recomputed on a cadence is next due, and the recomputation under way: a batch
/// evaluation of the whole population takes seconds, so it runs apart from the live service's steps.
struct CadenceSchedule {
    /// How long after a failed recomputation it is tried again, in ms.
    static let retry: Int64 = 60_000

    /// When each cadence segment is next recomputed (none while its recomputation runs).
    private(set) var due: [String: Int64] = [:]
    /// The recomputation under way.
    var running: Task<Void, Never>?

    /// The earliest due instant, if any.
    var next: Int64? { due.values.min() }

    /// Schedules every cadence segment of an engine one interval after an instant.
    mutating func schedule(_ engine: LiveEngine, from instant: Int64) {
        due = engine.cadenceSegments.compactMapValues { refresh in refresh.interval.map { instant + $0 } }
    }

    /// The segments due at `now`, in name order, taken off the schedule; none while a recomputation
    /// runs.
    mutating func takeDue(at now: Int64) -> [String] {
        guard running == nil else { return [] }
        let names = due.filter { $0.value <= now }.map(\.key).sorted()
        for name in names { due[name] = nil }
        return names
    }

    /// Schedules a recomputed segment's next recomputation, one interval after the instant it was
    /// recomputed as of.
    mutating func recomputed(_ name: String, at instant: Int64, refresh: Refresh?) {
        due[name] = refresh?.interval.map { instant + $0 }
    }

    /// Schedules the segments of a failed recomputation again (those still kept and not rescheduled
    /// meanwhile), ``retry`` after `now`.
    mutating func failed(_ names: [String], at now: Int64, keptBy engine: LiveEngine?) {
        for name in names where due[name] == nil && engine?.cadenceSegments[name] != nil {
            due[name] = now + Self.retry
        }
    }
}
