import StrataLanguage

extension SQLCompiler {
    /// `score.x` of a weighted score (LANGUAGE.md §7): 100 × Σ(w × normalised input) / Σw, added in
    /// the inputs' order as the engine adds them. A bool input is 0 or 1; a missing, non-finite or
    /// non-numeric input takes the input's `missing` value; `normalize: percentile` ranks an input
    /// among the profiles where it is not missing.
    func score(_ name: String, _ e: TypedExpr) throws(Unsupported) -> String {
        guard let score = definitions.score(named: name) else {
            throw Unsupported(message: "score.\(name) is not defined", range: e.range)
        }
        guard case .weighted(let inputs) = score.model else {
            throw Unsupported(
                message: "score.\(name) is a trained model, which is not supported on ClickHouse yet", range: e.range)
        }
        var total = SQL.number(0)
        var weights = 0.0
        for input in inputs {
            let raw: String
            do throws(Unsupported) {
                raw = try rankable(input.expression, scoring: true)
            } catch {
                throw Unsupported(
                    message: "score.\(name) cannot be evaluated on ClickHouse: \(error.message)", range: e.range)
            }
            let normalized: String
            switch input.normalize {
            case .none, .clamp:
                normalized = Self.clamped(raw)
            case .range(let a, let b):
                let scaled = "(\(raw) - \(SQL.number(a))) / \(SQL.number(b - a))"
                normalized = a == b ? Self.null : Self.clamped(scaled)
            case .percentile:
                normalized = rank(raw, among: "1", scale: 1)
            }
            total = "(\(total) + \(SQL.number(input.weight)) * ifNull(\(normalized), \(SQL.number(input.missing))))"
            weights += input.weight
        }
        guard weights > 0 else { return Self.null }
        return "(toFloat64(100) * \(total) / \(SQL.number(weights)))"
    }

    /// `stage.x` (LANGUAGE.md §7): the name of the first stage whose condition holds, `else` holding
    /// always; missing when none does.
    func stage(_ name: String, _ e: TypedExpr) throws(Unsupported) -> String {
        guard let model = definitions.stageModel(named: name) else {
            throw Unsupported(message: "stage.\(name) is not defined", range: e.range)
        }
        do throws(Unsupported) {
            return try stage(of: model)
        } catch {
            throw Unsupported(
                message: "stage.\(name) cannot be evaluated on ClickHouse: \(error.message)", range: e.range)
        }
    }

    /// The stage of a profile in a model: a Nullable(String), NULL when no stage holds; an error names
    /// the stage condition outside the subset, where it is written.
    func stage(of model: StageModel) throws(Unsupported) -> String {
        var branches: [String] = []
        for stage in model.stages {
            let label = "toNullable(\(SQL.string(stage.name)))"
            guard let condition = stage.condition else { return Self.first(branches, else: label) }
            branches.append("\(try bool(condition, .profile)), \(label)")
        }
        return Self.first(branches, else: "CAST(NULL AS Nullable(String))")
    }

    /// `multiIf` of `condition, value` branches, or `otherwise` alone when there are none.
    private static func first(_ branches: [String], else otherwise: String) -> String {
        branches.isEmpty ? otherwise : "multiIf(\((branches + [otherwise]).joined(separator: ", ")))"
    }
}
