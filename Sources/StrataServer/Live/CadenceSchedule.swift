import StrataCore
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

    /// The cause their next recomputation records its changes with, of the segments whose next one is
    /// not a recomputation on their cadence (``scheduleNow(_:at:cause:)``); `cadence` for the others.
    private var causes: [String: MembershipChange.Cause] = [:]

    /// The earliest due instant, if any; none while a recomputation runs (the service looks again when it
    /// ends).
    var next: Int64? { running == nil ? due.values.min() : nil }

    /// Schedules every cadence segment of an engine one interval after an instant.
    mutating func schedule(_ engine: LiveEngine, from instant: Int64) {
        due = engine.cadenceSegments.compactMapValues { refresh in refresh.interval.map { instant + $0 } }
        causes = [:]
    }

    /// Schedules every cadence segment of an engine at an instant, their changes recorded with `cause`:
    /// a start without a usable snapshot (`cadence`) or a definition change (`definition`) whose
    /// cadence segments are evaluated by the cadence evaluator rather than the embedded engine
    /// (``CadenceEvaluator/isEmbedded``). A failure is retried as any recomputation's is, with the
    /// same cause.
    mutating func scheduleNow(_ engine: LiveEngine, at instant: Int64, cause: MembershipChange.Cause) {
        due = engine.cadenceSegments.mapValues { _ in instant }
        causes = engine.cadenceSegments.mapValues { _ in cause }
    }

    /// The cause a segment's changes are recorded with at its next recomputation.
    func cause(of name: String) -> MembershipChange.Cause { causes[name] ?? .cadence }

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
        causes[name] = nil
    }

    /// Schedules the segments of a failed recomputation again (those still kept and not rescheduled
    /// meanwhile), ``retry`` after `now`.
    mutating func failed(_ names: [String], at now: Int64, keptBy engine: LiveEngine?) {
        for name in names where due[name] == nil && engine?.cadenceSegments[name] != nil {
            due[name] = now + Self.retry
        }
    }
}
