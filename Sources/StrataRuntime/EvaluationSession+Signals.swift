import StrataCore
import StrataEngine
import StrataLanguage
import StrataStore

extension EvaluationSession {
    /// What `strata signals` found: the instant behaviours were read at, every candidate's rows and
    /// the outcomes of the profiles compared.
    public struct SignalsResult: Sendable {
        /// The instant behaviours were read at.
        public var instant: Int64
        /// The rows of every candidate behaviour (``Signals/ranked(_:minimumSupport:)`` orders them).
        public var rows: [Signals.Row]
        /// The outcome of each profile compared.
        public var outcomes: [Bool]
    }

    /// Ranks behaviours by how an outcome's rate differs with and without them (``Signals``): reads
    /// the store once for the common property values of the lookback, then once for the timelines as
    /// of the instant and as of the instant plus the outcome's horizon.
    ///
    /// - Parameters:
    ///   - outcome: a checked condition, usually with `next D`.
    ///   - population: a checked condition the compared profiles hold as of the instant, or nil.
    ///   - instant: when behaviours are read; nil for the latest event minus the outcome's horizon.
    ///   - statistics: what the store holds (its event names and latest event).
    public func signals(
        outcome: TypedExpr, population: TypedExpr?, asOf instant: Int64?, statistics: StoreStatistics,
        progress: (Int) -> Void = { _ in }
    ) throws(SessionError) -> SignalsResult {
        let horizon = TrainingSet.horizon(of: outcome)
        guard let at = instant ?? statistics.lastEvent.map({ $0 - horizon }) else {
            throw SessionError(.store, "the store holds no events: import some first (see `strata import`)")
        }
        var tally = Signals.ValueTally(from: at - Signals.lookbackMilliseconds, through: at)
        do {
            try store.forEachMessage(includingContext: false) { _, message in tally.add(message) }
        } catch {
            throw .store(error)
        }
        let events = statistics.eventNames
        let checker = Checker(symbols: Signals.symbols(definitions, events: events))
        let candidates = Signals.candidates(events: events, values: tally).compactMap { text in
            checker.check(text, role: .computedTrait).expression.map { (text: text, expression: $0) }
        }
        var needs = DataNeeds(definitions: definitions)
        needs.add(outcome, scope: .users)
        if let population { needs.add(population, scope: .users) }
        for candidate in candidates { needs.add(candidate.expression, scope: .users) }
        var builders = [at, at + horizon].map { TimelineBuilder(asOf: $0, needs: needs) }
        _ = try scan(into: &builders, progress: progress)
        do throws(EngineError) {
            let (rows, outcomes) = try Signals.evaluate(
                candidates, outcome: outcome, population: population,
                features: engine(over: builders[0].build(), now: at),
                outcomes: engine(over: builders[1].build(), now: at))
            return SignalsResult(instant: at, rows: rows, outcomes: outcomes)
        } catch {
            throw SessionError(.evaluation, error.description)
        }
    }
}
