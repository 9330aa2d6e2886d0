import StrataCore
import StrataLanguage

extension Engine {
    /// For every profile of the segment's kind, the earliest instant after now at which its membership
    /// could change if no new message arrived (`Int64.max`: never, as far as time alone goes).
    ///
    /// The instant may be early (re-evaluating there shows no change and gives the next one), never
    /// late: a real-time engine that re-evaluates each profile at its horizon sees every time-driven
    /// enter and exit at its exact millisecond. Percentile and RFM values move on the definition's
    /// cadence instead.
    public func nextChanges(ofSegment name: String) throws(EngineError) -> [Int64] {
        guard let definition = definitions.segment(named: name) else {
            _ = try segment(named: name)
            return []
        }
        return try horizons(
            of: DefinitionID(.segment, name), kind: definition.of, from: definition.file,
            at: definition.condition.range.start)
    }

    /// The next-change instant of one profile's membership (see ``nextChanges(ofSegment:)``), nil
    /// when nothing but a new message can change it.
    public func nextChange(ofSegment name: String, profile id: String) throws(EngineError) -> Int64? {
        guard let definition = definitions.segment(named: name) else {
            _ = try segment(named: name)
            return nil
        }
        guard let index = population.index(forID: id, kind: definition.of) else {
            throw EngineError("no \(definition.of == .users ? "profile" : "account") with id `\(id)`")
        }
        let instant = try nextChanges(ofSegment: name)[index]
        return instant == Int64.max ? nil : instant
    }

    /// The per-profile horizons of a definition (cached): for a segment its condition's, for a stage
    /// model the earliest of its conditions', for a score the earliest of its inputs' (and of the
    /// clamp and range edges of moving inputs; inputs without `normalize` are clamped too), for a
    /// computed trait its expression's.
    func horizons(
        of id: DefinitionID, kind: ProfileKind, from file: String?, at location: SourceLocation
    ) throws(EngineError) -> [Int64] {
        let key = ResultKey(id: id, kind: kind)
        if let cached = horizonResults[key] { return cached }
        let parts = try expressions(of: id, kind: kind, from: file, at: location)
        var codes: [HorizonCode] = []
        for (expression, file, edges) in parts {
            let compiler = Compiler(engine: self, file: file, scope: .init(kind: kind))
            if let code = try compiler.horizon(expression) { codes.append(code) }
            if let (low, high) = edges {
                for bound in [low, high] {
                    let literal = TypedExpr(.literal(.number(bound)), type: .number, range: expression.range)
                    if let code = try compiler.crossing(expression, literal) { codes.append(code) }
                }
            }
        }
        let list = codes
        let result =
            list.isEmpty
            ? [Int64](repeating: Int64.max, count: population.timelines(kind).count)
            : map(kind) { ev, profile in
                ev.profile = profile
                var earliest = Int64.max
                for code in list { earliest = min(earliest, code(ev)) }
                return earliest
            }
        horizonResults[key] = result
        return result
    }

    /// The per-profile slopes of a computed trait or score (cached; see ``SlopeCode``). A weighted
    /// score moves with the inputs that move inside their clamp or range; a logistic model is not
    /// affine in its features, so it is nil (re-checked every second) when any feature moves.
    func slopes(
        of id: DefinitionID, kind: ProfileKind, from file: String?, at location: SourceLocation
    ) throws(EngineError) -> [Double?] {
        let key = ResultKey(id: id, kind: kind)
        if let cached = slopeResults[key] { return cached }
        let result: [Double?]
        switch id.kind {
        case .computed:
            let parts = try expressions(of: id, kind: kind, from: file, at: location)
            let code = try Compiler(engine: self, file: parts[0].file, scope: .init(kind: kind)).slope(
                parts[0].expression)
            result = map(kind) { ev, profile in
                ev.profile = profile
                return code(ev)
            }
        case .score:
            result = try scoreSlopes(id, kind: kind, from: file, at: location)
        default:
            result = [Double?](repeating: 0, count: population.timelines(kind).count)
        }
        slopeResults[key] = result
        return result
    }

    private func scoreSlopes(
        _ id: DefinitionID, kind: ProfileKind, from file: String?, at location: SourceLocation
    ) throws(EngineError) -> [Double?] {
        guard let score = definitions.score(named: id.name) else {
            throw EngineError("unknown score `\(id.name)`", file: file, location: location)
        }
        switch score.model {
        case .weighted(let inputs):
            var terms: [(value: Code, slope: SlopeCode, factor: Double, bounds: (Double, Double)?)] = []
            let total = inputs.reduce(0) { $0 + $1.weight }
            guard total > 0 else { return [Double?](repeating: 0, count: population.timelines(kind).count) }
            for input in inputs where input.normalize != .percentile {
                let compiler = Compiler(engine: self, file: score.file, scope: .init(kind: kind))
                let bounds: (Double, Double)?
                switch input.normalize {
                case .clamp, .none: bounds = (0, 1)
                case .range(let a, let b): bounds = (a, b)
                case .percentile: bounds = nil
                }
                let span = bounds.map { $0.1 - $0.0 } ?? 1
                terms.append(
                    (
                        try compiler.compile(input.expression), try compiler.slope(input.expression),
                        100 * input.weight / total / span, bounds
                    ))
            }
            let list = terms
            return map(kind) { ev, profile in
                ev.profile = profile
                var sum = 0.0
                for term in list {
                    guard let s = term.slope(ev) else { return nil }
                    guard let x = term.value(ev).number else { continue }
                    if let (a, b) = term.bounds {
                        let (low, high) = (min(a, b), max(a, b))
                        let inside =
                            (x > low && x < high) || (x == low && s * (b - a) > 0)
                            || (x == high && s * (b - a) < 0)
                        if !inside { continue }
                    }
                    sum += term.factor * s
                }
                return sum
            }
        case .logistic(let model):
            var codes: [SlopeCode] = []
            for feature in model.features {
                codes.append(try Compiler(engine: self, file: score.file, scope: .init(kind: kind)).slope(feature))
            }
            let list = codes
            return map(kind) { ev, profile in
                ev.profile = profile
                for code in list where code(ev) != 0 { return nil }
                return 0
            }
        }
    }

    /// The expressions whose horizons make up a definition's, with their files and, for clamped or
    /// ranged score inputs, the edges where the normalised value stops moving.
    private func expressions(
        of id: DefinitionID, kind: ProfileKind, from file: String?, at location: SourceLocation
    ) throws(EngineError) -> [(expression: TypedExpr, file: String, edges: (Double, Double)?)] {
        switch id.kind {
        case .segment:
            guard let definition = definitions.segment(named: id.name) else {
                throw EngineError("unknown segment `\(id.name)`", file: file, location: location)
            }
            _ = try membership(of: id.name, kind: kind, from: file, at: location)
            return [(definition.condition, definition.file, nil)]
        case .stage:
            guard let model = definitions.stageModel(named: id.name) else {
                throw EngineError("unknown stage model `\(id.name)`", file: file, location: location)
            }
            _ = try values(of: id, kind: kind, from: file, at: location)
            return model.stages.compactMap { stage in stage.condition.map { ($0, model.file, nil) } }
        case .computed:
            guard let trait = definitions.computedTraits.first(where: { $0.name == id.name }) else {
                throw EngineError("unknown computed trait `\(id.name)`", file: file, location: location)
            }
            _ = try values(of: id, kind: kind, from: file, at: location)
            return [(trait.expression, "traits.yaml", nil)]
        case .score:
            guard let score = definitions.score(named: id.name) else {
                throw EngineError("unknown score `\(id.name)`", file: file, location: location)
            }
            _ = try values(of: id, kind: kind, from: file, at: location)
            switch score.model {
            case .weighted(let inputs):
                return inputs.map { input in
                    switch input.normalize {
                    case .clamp, .none: (input.expression, score.file, (0, 1))
                    case .range(let a, let b): (input.expression, score.file, (a, b))
                    case .percentile: (input.expression, score.file, nil)
                    }
                }
            case .logistic(let model):
                return model.features.map { ($0, score.file, nil) }
            }
        case .rfm:
            return []
        }
    }
}
