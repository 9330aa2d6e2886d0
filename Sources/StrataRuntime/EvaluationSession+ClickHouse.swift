import StrataClickHouse
import StrataCore
import StrataEngine
import StrataLanguage
import StrataStore

extension EvaluationSession {
    /// The ClickHouse settings of a workspace with `store: clickhouse`, nil for another store.
    public func clickHouseSettings() throws(SessionError) -> Settings? {
        try Runtime.clickHouseSettings(of: workspace)
    }

    /// How a command's report reaches ClickHouse in a workspace with `store: clickhouse` (shipping
    /// first), nil for another store.
    public func clickHouseAccess() throws(SessionError) -> ClickHouseAccess? {
        try clickHouseSettings().map(ClickHouseAccess.shipping)
    }

    /// Ships the messages ClickHouse lacks and deletes its copies of erased ones, then evaluates
    /// segments there as of an instant: the members of each, sorted by bytes, and the number of
    /// profiles; with `listing`, each member's events and the traits of those paths
    /// (``Evaluator/members(of:asOf:listing:)``).
    public func clickHouseMembers(
        _ settings: Settings, of names: [String], asOf instant: Int64, listing: [[String]]? = nil
    ) async throws(SessionError) -> Evaluator.Answer {
        try await shippedFirst(settings) { evaluator in
            try await evaluator.members(of: names, asOf: instant, listing: listing)
        }
    }

    /// The members of segments as of an instant, evaluated inside ClickHouse once the server's
    /// background shipping holds every message stored by now and has carried out every erasure
    /// (``ClickHouseShipping/waitUntilShipped(through:erasures:within:)``, failing after `bound`);
    /// ships nothing itself, since a second shipper of the same database could store a batch twice.
    /// Called with an instant taken before, it evaluates every message stored up to that instant: the
    /// cadence recomputations of `strata serve`.
    public func clickHouseMemberships(
        _ shipping: ClickHouseShipping, of names: [String], asOf instant: Int64, waitingAtMost bound: Duration
    ) async throws(SessionError) -> [String: Set<String>] {
        try await evaluated(.shipped(shipping, within: bound)) { evaluator in
            try await evaluator.members(of: names, asOf: instant).members.mapValues { Set($0) }
        }
    }

    /// Ships and erases as ``clickHouseMembers(_:of:asOf:listing:)`` does, then counts the user profiles
    /// in each stage of the models as of an instant (``Evaluator/stages(of:asOf:)``).
    public func clickHouseStages(
        _ settings: Settings, of models: [StageModel], asOf instant: Int64
    ) async throws(SessionError) -> [Evaluator.StageCounts] {
        try await shippedFirst(settings) { evaluator in try await evaluator.stages(of: models, asOf: instant) }
    }

    /// Ships and erases as ``clickHouseMembers(_:of:asOf:listing:)`` does, then ranks the user profiles
    /// by RFM as of an instant (``Evaluator/rfm(asOf:)``).
    public func clickHouseRFM(
        _ settings: Settings, asOf instant: Int64
    ) async throws(SessionError) -> (ids: [String], result: RFMResult) {
        try await shippedFirst(settings) { evaluator in try await evaluator.rfm(asOf: instant) }
    }

    /// Ships and erases as ``clickHouseMembers(_:of:asOf:listing:)`` does, then tells why a profile is or
    /// is not in a segment as of an instant: the value of each top-level condition
    /// (``Evaluator/explain(segment:id:source:asOf:)``).
    public func clickHouseExplain(
        _ settings: Settings, segment: SegmentDefinition, id: String, asOf instant: Int64
    ) async throws(SessionError) -> Explanation {
        try await shippedFirst(settings) { evaluator in
            try await evaluator.explain(segment: segment.name, id: id, source: sources[segment.file], asOf: instant)
        }
    }

    /// Ships the messages ClickHouse lacks, deletes its copies of erased ones, then evaluates there.
    func shippedFirst<T>(
        _ settings: Settings, _ evaluate: (Evaluator) async throws -> T
    ) async throws(SessionError) -> T {
        try await evaluated(.shipping(settings), evaluate)
    }

    /// Evaluates inside ClickHouse once its copy is up to date: after shipping what it lacks and
    /// deleting its copies of erased messages, or once the server's background shipping holds every
    /// message stored by now and has carried out every erasure
    /// (``ClickHouseShipping/waitUntilShipped(through:erasures:within:)``).
    func evaluated<T>(
        _ access: ClickHouseAccess, _ evaluate: (Evaluator) async throws -> T
    ) async throws(SessionError) -> T {
        let settings: Settings
        switch access {
        case .shipping(let own):
            settings = own
            do {
                _ = try await Shipper(settings: own).ship(store)
                _ = try await Eraser(settings: own).apply(store)
            } catch {
                throw Self.failure(error)
            }
        case .shipped(let shipping, let bound):
            let (sequence, erasures): (Int64, Int)
            do {
                sequence = try store.lastSequence()
                erasures = try await store.erasedCount()
            } catch {
                throw .store(error)
            }
            try await shipping.waitUntilShipped(through: sequence, erasures: erasures, within: bound)
            settings = shipping.settings
        }
        do {
            return try await evaluate(Evaluator(settings: settings, definitions: definitions, zone: zone))
        } catch {
            throw Self.failure(error)
        }
    }

    /// A failure of ClickHouse or the store as the session reports it.
    private static func failure(_ error: any Error) -> SessionError {
        if let error = error as? ClickHouseError { return SessionError(.store, error.message) }
        return .store(error)
    }
}
