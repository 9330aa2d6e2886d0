import StrataLanguage

extension TrainedModel {
    /// Why a logistic score has no value: it was never trained on its definition as it now reads.
    public static func untrainedReason(_ name: String) -> String {
        "no trained model for its current features, label and population: run `strata train \(name)`"
    }

    /// An expression as written in its file, from the definition files' texts by path.
    public static func sourceText(_ expression: TypedExpr, file: String, sources: [String: String]) -> String {
        let bytes = Array((sources[file] ?? "").utf8)
        let range = expression.range
        guard range.start.offset >= 0, range.start.offset <= range.end.offset, range.end.offset <= bytes.count
        else { return "" }
        return String(decoding: bytes[range.start.offset..<range.end.offset], as: UTF8.self)
    }

    /// Records on a newly trained model the label and population it was trained on, as written, so
    /// that ``matches(_:file:sources:)`` can tell later whether the definition still reads the same.
    public mutating func describe(_ model: LogisticModel, file: String, sources: [String: String]) {
        label = Self.sourceText(model.label, file: file, sources: sources)
        population = model.population.map { Self.sourceText($0, file: file, sources: sources) }
    }

    /// Whether this model was trained on a definition: the same features, label and population, as
    /// written.
    public func matches(_ model: LogisticModel, file: String, sources: [String: String]) -> Bool {
        features == model.features.map { Self.sourceText($0, file: file, sources: sources) }
            && label == Self.sourceText(model.label, file: file, sources: sources)
            && population == model.population.map { Self.sourceText($0, file: file, sources: sources) }
    }

    /// The stored models (JSON documents by score name) that match the current logistic definitions,
    /// by name. A model that cannot be read, or was trained on another definition, is left out, so its
    /// score is missing and says that it needs training (``Engine/missingReason(of:)``).
    public static func matching(
        _ documents: [String: String], definitions: Definitions, sources: [String: String]
    ) -> [String: TrainedModel] {
        var result: [String: TrainedModel] = [:]
        for (name, document) in documents {
            guard let score = definitions.score(named: name), case .logistic(let model) = score.model,
                let trained = try? TrainedModel.decoded(document),
                trained.matches(model, file: score.file, sources: sources)
            else { continue }
            result[name] = trained
        }
        return result
    }
}
