import StrataClickHouse
import StrataCore
import StrataLanguage
import StrataStore

extension EvaluationSession {
    /// The ClickHouse settings of a workspace with `store: clickhouse`, nil for another store.
    public func clickHouseSettings() throws(SessionError) -> Settings? {
        try Runtime.clickHouseSettings(of: workspace)
    }

    /// Ships the messages ClickHouse lacks and deletes its copies of erased ones, then evaluates
    /// segments there as of an instant: the members of each, sorted by bytes, and the number of
    /// profiles; with `listing`, each member's events and the traits of those paths
    /// (``Evaluator/members(of:asOf:listing:)``).
    public func clickHouseMembers(
        _ settings: Settings, of names: [String], asOf instant: Int64, listing: [[String]]? = nil
    ) async throws(SessionError) -> Evaluator.Answer {
        do {
            _ = try await Shipper(settings: settings).ship(store)
            _ = try await Eraser(settings: settings).apply(store)
            return try await Evaluator(settings: settings, definitions: definitions, zone: zone).members(
                of: names, asOf: instant, listing: listing)
        } catch let error as ClickHouseError {
            throw SessionError(.store, error.message)
        } catch {
            throw .store(error)
        }
    }
}
