import StrataCore
import StrataLanguage

/// One point-in-time training set of a logistic model's training data: for every profile of the model's
/// population at instant T, its features as of T and its label.
///
/// Two populations make a training set, so nothing after T can leak into a feature: the features and the
/// population are evaluated over timelines cut at T (with now = T), the label over timelines cut at
/// T + ``horizon(of:)`` (with now = T, so `next D` reads (T, T + D]). Profiles are those of the
/// first; each is found in the second by its id (merges after T are followed).
public struct TrainingSet: Sendable {
    /// The instant T.
    public var asOf: Int64
    /// The profile ids, in population order.
    public var ids: [String]
    /// Feature values, n × p, row after row; NaN is missing.
    public var rows: [Double]
    /// The labels.
    public var labels: [Bool]
    /// The number of features, p.
    public var featureCount: Int

    /// A training set from its parts.
    public init(asOf: Int64, ids: [String], rows: [Double], labels: [Bool], featureCount: Int) {
        self.asOf = asOf
        self.ids = ids
        self.rows = rows
        self.labels = labels
        self.featureCount = featureCount
    }

    /// Profiles whose label is true.
    public var positives: Int { labels.filter { $0 }.count }

    /// Evaluates a model's population, features and label at one instant.
    ///
    /// - Parameters:
    ///   - model: the model definition; `file` is its workspace-relative file, for errors.
    ///   - definitions: the workspace's checked definitions (what the expressions read).
    ///   - zone: the workspace time zone.
    ///   - features: timelines built as of `asOf` exactly.
    ///   - outcomes: timelines built as of `asOf` + ``horizon(of:)`` of the label.
    ///   - trainedModels: the trained models that other `score.NAME` references read.
    ///   - workers: threads to use; defaults to the number of active cores.
    public static func evaluate(
        _ model: LogisticModel, file: String, definitions: Definitions, zone: Zone, features: Population,
        outcomes: Population, trainedModels: [String: TrainedModel] = [:], workers: Int? = nil
    ) throws(EngineError) -> TrainingSet {
        let asOf = features.asOf
        guard outcomes.asOf >= asOf else {
            throw EngineError("the label's timelines must reach past the set instant", file: file)
        }
        let engine = Engine(population: features, definitions: definitions, zone: zone, now: asOf, workers: workers)
        let labelEngine = Engine(
            population: outcomes, definitions: definitions, zone: zone, now: asOf, workers: workers)
        engine.trainedModels = trainedModels
        labelEngine.trainedModels = trainedModels
        let count = features.users.count
        let members = try model.population.map { expression throws(EngineError) in
            try engine.evaluate(expression, file: file).map(\.isTrue)
        }
        let columns = try model.features.map { expression throws(EngineError) in
            try engine.evaluate(expression, file: file).map(Self.number)
        }
        let outcomeValues = try labelEngine.evaluate(model.label, file: file)
        let ids = features.users.ids
        var set = TrainingSet(asOf: asOf, ids: [], rows: [], labels: [], featureCount: columns.count)
        for profile in 0..<count where members?[profile] ?? true {
            guard let index = outcomes.userIndex(forID: ids[profile]),
                case .bool(let label) = outcomeValues[index]
            else { continue }
            set.ids.append(ids[profile])
            set.labels.append(label)
            for column in columns { set.rows.append(column[profile]) }
        }
        return set
    }

    /// A feature value as a number: numbers, bools as 0 or 1; NaN when missing or not finite.
    static func number(_ value: Value) -> Double {
        guard let number = value.rankable, number.isFinite else { return .nan }
        return number
    }

    /// How far after T a label reads: the longest `next D` window in it (for `followed_by` and
    /// `funnel`, D plus `within`); 0 when it has none.
    public static func horizon(of label: TypedExpr) -> Int64 {
        var horizon: Int64 = 0
        PlanWalk.walk(label, scope: .users) { item, _ in
            guard case .node(let node) = item else { return }
            switch node.node {
            case .aggregate(let aggregate):
                if case .next(let d) = aggregate.window { horizon = max(horizon, d) }
            case .share(_, _, let window):
                if case .next(let d) = window { horizon = max(horizon, d) }
            case .sequence(let sequence):
                if case .next(let d) = sequence.window { horizon = max(horizon, Compiler.plus(d, sequence.within)) }
            default:
                break
            }
        }
        return horizon
    }
}
