/// Evaluates the cadence segments a recomputation takes (``LiveService/recompute(_:definitions:erased:)``):
/// the embedded engine's evaluation of the whole store (``Workbench``) by default, ClickHouse's with
/// `store: clickhouse` (``ClickHouseCadence``). ``Server/application(runtime:configuration:logger:shipping:onServerRunning:)``
/// chooses one.
///
/// The embedded engine's evaluation is the batch evaluation a start without a usable snapshot and a
/// definition change make anyway: they take the cadence segments' members from it. Another evaluator's
/// (ClickHouse's) is asked instead, by recomputing the cadence segments at once with it, by the same
/// rules as the recomputations due on their cadence (``CadenceSchedule/scheduleNow(_:at:cause:)``).
protocol CadenceEvaluator: Sendable {
    /// Whether this is the embedded engine's evaluation (``Workbench``).
    var isEmbedded: Bool { get }

    /// What evaluates, for the log: `embedded engine` or `clickhouse`.
    var name: String { get }

    /// The members of some segments as of now, and the instant they are of; throws rather than answer
    /// for fewer messages than were stored by that instant.
    func memberships(of names: [String]) async throws -> (instant: Int64, members: [String: Set<String>])
}

extension Workbench: CadenceEvaluator {
    nonisolated var isEmbedded: Bool { true }
    nonisolated var name: String { "embedded engine" }
}
