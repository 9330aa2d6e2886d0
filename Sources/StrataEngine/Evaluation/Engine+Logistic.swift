import StrataLanguage

extension Engine {
    /// A logistic score: the trained model's probability × 100 for profiles of the model's population,
    /// missing outside it. Fails, telling the user to train, when no model is stored for the
    /// definition as it now reads (see ``trainedModels``).
    func logisticScore(
        _ score: ScoreDefinition, _ model: LogisticModel, kind: ProfileKind, from file: String?,
        at location: SourceLocation
    ) throws(EngineError) -> [Value] {
        guard let trained = trainedModels[score.name], trained.coefficients.count == model.features.count,
            trained.standardization.means.count == model.features.count
        else {
            throw EngineError(
                "score.\(score.name) is a logistic model (\(score.file)) with no trained model for its current "
                    + "features, label and population: run `strata train \(score.name)`", file: file, location: location
            )
        }
        let members = try model.population.map { expression throws(EngineError) in
            try evaluate(expression, kind: kind, file: score.file).map(\.isTrue)
        }
        let columns = try model.features.map { expression throws(EngineError) in
            try evaluate(expression, kind: kind, file: score.file).map(TrainingSnapshot.number)
        }
        return (0..<population.timelines(kind).count).map { profile in
            guard members?[profile] ?? true else { return .missing }
            return .number(100 * trained.probability(columns.map { $0[profile] }))
        }
    }
}
