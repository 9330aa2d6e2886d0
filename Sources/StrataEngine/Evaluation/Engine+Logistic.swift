import StrataLanguage

extension Engine {
    /// A logistic score: the trained model's probability × 100 for profiles of the model's population,
    /// missing outside it. Missing for every profile when no model is stored for the definition as it
    /// now reads (see ``trainedModels`` and ``missingReason(of:)``).
    func logisticScore(
        _ score: ScoreDefinition, _ model: LogisticModel, kind: ProfileKind
    ) throws(EngineError) -> [Value] {
        let count = population.timelines(kind).count
        guard let trained = usableModel(score.name, model) else { return Array(repeating: .missing, count: count) }
        let members = try model.population.map { expression throws(EngineError) in
            try evaluate(expression, kind: kind, file: score.file).map(\.isTrue)
        }
        let columns = try model.features.map { expression throws(EngineError) in
            try evaluate(expression, kind: kind, file: score.file).map(TrainingSet.number)
        }
        return (0..<count).map { profile in
            guard members?[profile] ?? true else { return .missing }
            return .number(100 * trained.probability(columns.map { $0[profile] }))
        }
    }

    /// Why a definition is missing for every profile, when it is: a logistic score with no trained
    /// model for its features, label and population as they now read. Nil otherwise.
    public func missingReason(of id: DefinitionID) -> String? {
        guard id.kind == .score, let score = definitions.score(named: id.name), case .logistic(let model) = score.model,
            usableModel(score.name, model) == nil
        else { return nil }
        return TrainedModel.untrainedReason(score.name)
    }

    /// The stored model of a logistic score, when it fits the definition's features.
    private func usableModel(_ name: String, _ model: LogisticModel) -> TrainedModel? {
        guard let trained = trainedModels[name], trained.coefficients.count == model.features.count,
            trained.standardization.means.count == model.features.count
        else { return nil }
        return trained
    }
}
