import Foundation
import StrataCore
import StrataLanguage

/// Evaluates the definitions of a workspace over a population at one instant.
///
/// Each definition is compiled once and run over every profile of its kind on all cores. Results are
/// kept, so a definition read by others (`segment("x")`, `score.x`, `stage.x`, `computed.x`, `rfm.*`,
/// `percentile(..., among: "x")`) is evaluated once, before its readers. Not thread-safe: use one
/// engine from one thread (it parallelises internally).
public final class Engine {
    /// The profiles and their timelines.
    public let population: Population
    /// The checked definitions.
    public let definitions: Definitions
    /// The evaluation instant.
    public let now: Int64
    /// Calendar arithmetic in the workspace time zone.
    public let calendar: LocalCalendar
    /// How many threads evaluation uses.
    public let workers: Int

    struct ResultKey: Hashable {
        var id: DefinitionID
        var kind: ProfileKind
    }

    struct PopulationKey: Hashable {
        var file: String?
        var range: SourceRange
        var kind: ProfileKind
    }

    private var segmentResults: [String: SegmentResult] = [:]
    private var valueResults: [ResultKey: [Value]] = [:]
    private var inProgress: Set<ResultKey> = []
    private var periodCache: [CalendarUnit: [Int64]] = [:]
    /// Per-profile results of population passes (`percentile`), by where they are written.
    var populationCache: [PopulationKey: [Value]] = [:]
    /// Per-profile horizons and slopes of definitions read by others (see Engine+Horizon.swift).
    var horizonResults: [ResultKey: [Int64]] = [:]
    var slopeResults: [ResultKey: [Double?]] = [:]
    /// The RFM pass of each kind of profile (see ``rfm(kind:)``).
    var rfmResults: [ProfileKind: RFMResult] = [:]
    /// Seconds spent on each score, stage model, computed trait and the RFM pass.
    public private(set) var definitionSeconds: [DefinitionID: Double] = [:]
    /// The trained logistic models that `score.NAME` reads, by score name (see ``TrainedModel``).
    public var trainedModels: [String: TrainedModel] = [:]

    /// An engine over a population.
    ///
    /// - Parameters:
    ///   - population: the timelines, built as of `now` (or later; windows are clipped at `now`).
    ///   - definitions: the checked definitions.
    ///   - zone: the workspace time zone, for calendar windows, dates, `$weekday` and `$hour`.
    ///   - now: the evaluation instant; defaults to the instant the population was built for.
    ///   - workers: threads to use; defaults to the number of active cores.
    public init(
        population: Population, definitions: Definitions, zone: Zone, now: Int64? = nil, workers: Int? = nil
    ) {
        self.population = population
        self.definitions = definitions
        let instant = now ?? population.asOf
        self.now = instant
        let earliest = population.earliestEvent ?? instant
        let latest = max(instant, population.latestEvent ?? instant)
        self.calendar = LocalCalendar(zone: zone, from: min(earliest, instant), through: latest)
        self.workers = max(1, workers ?? ProcessInfo.processInfo.activeProcessorCount)
    }

    // MARK: Segments

    /// The members of a segment, evaluating it (and what it reads) on first use.
    public func segment(named name: String) throws(EngineError) -> SegmentResult {
        if let result = segmentResults[name] { return result }
        guard let definition = definitions.segment(named: name) else {
            let hint = StrataCore.Suggestion.nearest(to: name, in: definitions.segments.map(\.name)).map {
                "; did you mean `\($0)`?"
            }
            throw EngineError("unknown segment `\(name)`\(hint ?? "")")
        }
        let key = ResultKey(id: DefinitionID(.segment, name), kind: definition.of)
        guard inProgress.insert(key).inserted else {
            throw EngineError(
                "segment `\(name)` depends on itself", file: definition.file,
                location: definition.condition.range.start)
        }
        defer { inProgress.remove(key) }
        try prepare(definition.condition, kind: definition.of, file: definition.file)
        let started = ContinuousClock.now
        let code = try Compiler(engine: self, file: definition.file, scope: .init(kind: definition.of))
            .compile(definition.condition)
        let flags = map(definition.of) { ev, profile in
            ev.profile = profile
            return code(ev).isTrue
        }
        let ids = population.timelines(definition.of).ids
        var members: [String] = []
        for (profile, member) in flags.enumerated() where member { members.append(ids[profile]) }
        let result = SegmentResult(
            name: name, kind: definition.of, members: members, flags: flags, population: ids.count,
            seconds: Self.seconds(since: started))
        segmentResults[name] = result
        return result
    }

    /// Every segment, in name order; a segment that cannot be evaluated gives its error.
    public func allSegments() -> [(name: String, result: Result<SegmentResult, EngineError>)] {
        definitions.segments.map(\.name).sorted().map { name in
            do throws(EngineError) {
                return (name, .success(try segment(named: name)))
            } catch {
                return (name, .failure(error))
            }
        }
    }

    /// Segment membership flags for a reader in `kind`, checked to be of that kind.
    func membership(
        of name: String, kind: ProfileKind, from file: String?, at location: SourceLocation
    )
        throws(EngineError) -> [Bool]
    {
        guard let definition = definitions.segment(named: name) else {
            throw EngineError("unknown segment `\(name)`", file: file, location: location)
        }
        guard definition.of == kind else {
            throw EngineError(
                "segment `\(name)` is a segment of \(definition.of.rawValue), read here for \(kind.rawValue)",
                file: file, location: location)
        }
        if inProgress.contains(ResultKey(id: DefinitionID(.segment, name), kind: kind)) {
            throw EngineError("segment `\(name)` depends on itself", file: file, location: location)
        }
        return try segment(named: name).flags
    }

    // MARK: Scores, stages, computed traits

    /// The values of a score, stage model or computed trait for every profile of a kind; for `.rfm`, the
    /// RFM segment (the whole pass is kept for ``rfm(kind:)``).
    func values(
        of id: DefinitionID, kind: ProfileKind, from file: String?, at location: SourceLocation
    )
        throws(EngineError) -> [Value]
    {
        let key = ResultKey(id: id, kind: kind)
        if let cached = valueResults[key] { return cached }
        guard inProgress.insert(key).inserted else {
            throw EngineError("\(id) depends on itself", file: file, location: location)
        }
        defer { inProgress.remove(key) }
        let started = ContinuousClock.now
        let values: [Value]
        switch id.kind {
        case .score:
            guard let score = definitions.score(named: id.name) else {
                throw EngineError("unknown score `\(id.name)`", file: file, location: location)
            }
            switch score.model {
            case .weighted(let inputs):
                values = try weightedScore(score, inputs, kind: kind)
            case .logistic(let model):
                values = try logisticScore(score, model, kind: kind)
            }
        case .stage:
            guard let model = definitions.stageModel(named: id.name) else {
                throw EngineError("unknown stage model `\(id.name)`", file: file, location: location)
            }
            values = try stages(model, kind: kind)
        case .computed:
            guard let trait = definitions.computedTraits.first(where: { $0.name == id.name }) else {
                throw EngineError("unknown computed trait `\(id.name)`", file: file, location: location)
            }
            try prepare(trait.expression, kind: kind, file: "traits.yaml")
            let code = try Compiler(engine: self, file: "traits.yaml", scope: .init(kind: kind))
                .compile(trait.expression)
            values = map(kind) { ev, profile in
                ev.profile = profile
                return code(ev)
            }
        case .segment:
            values = try membership(of: id.name, kind: kind, from: file, at: location).map { .bool($0) }
        case .rfm:
            let result = try rfmPass(kind: kind)
            rfmResults[kind] = result
            values = (0..<result.segment.count).map { result.value(.segment, of: $0) }
        }
        if definitionSeconds[id] == nil { definitionSeconds[id] = Self.seconds(since: started) }
        valueResults[key] = values
        return values
    }

    /// A weighted score: 100 × Σ(w × normalised input) / Σw (LANGUAGE.md §7). Bools are 0 or 1, and an
    /// input without `normalize` is clamped to [0, 1] like `clamp`, so the score stays within 0-100; a
    /// missing (or non-numeric) input takes the input's `missing` value, already normalised.
    private func weightedScore(
        _ score: ScoreDefinition, _ inputs: [WeightedInput], kind: ProfileKind
    )
        throws(EngineError) -> [Value]
    {
        let count = population.timelines(kind).count
        var totals = [Double](repeating: 0, count: count)
        var weights = 0.0
        for input in inputs {
            try prepare(input.expression, kind: kind, file: score.file)
            let code = try Compiler(engine: self, file: score.file, scope: .init(kind: kind))
                .compile(input.expression)
            let raw = map(kind) { ev, profile in
                ev.profile = profile
                switch code(ev) {
                case .number(let n): return n.isFinite ? n : Double.nan
                case .bool(let b): return b ? 1 : 0
                default: return Double.nan
                }
            }
            let normalized: [Double]
            switch input.normalize {
            case .none, .clamp:
                normalized = raw.map { $0.isNaN ? $0 : min(max($0, 0), 1) }
            case .range(let a, let b):
                normalized = raw.map { x in
                    guard !x.isNaN, a != b else { return Double.nan }
                    return min(max((x - a) / (b - a), 0), 1)
                }
            case .percentile:
                let ranks = Compiler.percentiles(of: raw, in: raw.filter { !$0.isNaN }, scale: 1)
                normalized = ranks.map { $0.number ?? Double.nan }
            }
            for p in 0..<count {
                let x = normalized[p]
                totals[p] += input.weight * (x.isNaN ? input.missing : x)
            }
            weights += input.weight
        }
        guard weights > 0 else { return [Value](repeating: .missing, count: count) }
        return totals.map { .number(100 * $0 / weights) }
    }

    /// A stage model: the name of the first stage whose condition holds (`else` always holds).
    private func stages(_ model: StageModel, kind: ProfileKind) throws(EngineError) -> [Value] {
        var codes: [(name: String, code: Code?)] = []
        for stage in model.stages {
            if let condition = stage.condition {
                try prepare(condition, kind: kind, file: model.file)
                let code = try Compiler(engine: self, file: model.file, scope: .init(kind: kind)).compile(condition)
                codes.append((stage.name, code))
            } else {
                codes.append((stage.name, nil))
            }
        }
        let list = codes
        return map(kind) { ev, profile in
            ev.profile = profile
            for (name, code) in list where code?(ev).isTrue ?? true { return .string(name) }
            return .missing
        }
    }

    // MARK: Ad-hoc expressions

    /// The value of an expression for every profile of a kind (for tools and tests).
    public func evaluate(
        _ expression: TypedExpr, kind: ProfileKind = .users, file: String? = nil
    )
        throws(EngineError) -> [Value]
    {
        try prepare(expression, kind: kind, file: file)
        let code = try Compiler(engine: self, file: file, scope: .init(kind: kind)).compile(expression)
        return map(kind) { ev, profile in
            ev.profile = profile
            return code(ev)
        }
    }

    /// The value of an expression for one profile, by id.
    public func evaluate(
        _ expression: TypedExpr, profile id: String, kind: ProfileKind = .users, file: String? = nil
    )
        throws(EngineError) -> Value
    {
        guard let index = population.index(forID: id, kind: kind) else {
            throw EngineError("no \(kind == .users ? "profile" : "account") with id `\(id)`")
        }
        try prepare(expression, kind: kind, file: file)
        let code = try Compiler(engine: self, file: file, scope: .init(kind: kind)).compile(expression)
        let evaluator = Evaluator()
        evaluator.profile = index
        return code(evaluator)
    }

    // MARK: Support

    /// Evaluates, before timing a definition, every definition it reads.
    func prepare(_ expression: TypedExpr, kind: ProfileKind, file: String?) throws(EngineError) {
        var references: [(DefinitionID, ProfileKind, SourceLocation)] = []
        PlanWalk.walk(expression, scope: kind) { item, scope in
            guard case .node(let node) = item else { return }
            let at = node.range.start
            switch node.node {
            case .segment(let name): references.append((DefinitionID(.segment, name), scope, at))
            case .percentile(_, let among?): references.append((DefinitionID(.segment, among), scope, at))
            case .score(let name): references.append((DefinitionID(.score, name), scope, at))
            case .stage(let name): references.append((DefinitionID(.stage, name), scope, at))
            case .computed(let name): references.append((DefinitionID(.computed, name), scope, at))
            case .rfm: references.append((.rfm, scope, at))
            default: break
            }
        }
        for (id, scope, at) in references {
            if id.kind == .segment {
                _ = try membership(of: id.name, kind: scope, from: file, at: at)
            } else {
                _ = try values(of: id, kind: scope, from: file, at: at)
            }
        }
    }

    /// Runs per-profile work over every profile of a kind on all cores.
    func map<T>(_ kind: ProfileKind, _ body: @escaping @Sendable (Evaluator, Int) -> T) -> [T] {
        Parallel.map(count: population.timelines(kind).count, workers: workers, body)
    }

    /// The starts of the current and `count - 1` previous periods of a unit, newest first (cached).
    func periodStarts(_ unit: CalendarUnit, count: Int) -> [Int64] {
        if let cached = periodCache[unit], cached.count >= count { return Array(cached.prefix(count)) }
        let starts = calendar.periodStarts(unit, containing: now, count: count)
        periodCache[unit] = starts
        return starts
    }

    /// How many periods of a unit reach from now back to the earliest event (at least 1).
    func periodsSinceEarliestEvent(_ unit: CalendarUnit) -> Int {
        guard let earliest = population.earliestEvent, earliest < now else { return 1 }
        let days = Int(min(calendar.localDay(now) &- calendar.localDay(earliest), 1_000_000))
        let periods: Int
        switch unit {
        case .day: periods = days + 2
        case .week: periods = days / 7 + 3
        case .month: periods = days / 28 + 3
        case .year: periods = days / 365 + 3
        }
        return min(periods, Self.maximumPeriods)
    }

    /// How far back `streak` looks at most (100,000 periods: 270 years of days).
    static let maximumPeriods = 100_000

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}
