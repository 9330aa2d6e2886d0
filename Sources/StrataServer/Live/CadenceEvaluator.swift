/// Evaluates the cadence segments a recomputation takes (``LiveService/recompute(_:definitions:erased:)``):
/// the embedded engine's evaluation of the whole store (``Workbench``) by default, ClickHouse's with
/// `store: clickhouse` (``ClickHouseCadence``). ``Server/application(runtime:configuration:logger:shipping:onServerRunning:)``
/// chooses one.
protocol CadenceEvaluator: Sendable {
    /// The members of some segments as of now, and the instant they are of; throws rather than answer
    /// for fewer messages than were stored by that instant.
    func memberships(of names: [String]) async throws -> (instant: Int64, members: [String: Set<String>])
}

extension Workbench: CadenceEvaluator {}
