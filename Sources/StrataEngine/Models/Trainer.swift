import StrataCore

/// Trains a logistic model on point-in-time training sets (LANGUAGE.md §7).
///
/// The latest training set is held out: a model fitted on the earlier ones (standardised on them) is
/// measured on it (AUC, calibration by decile). The model kept is then fitted on every training set.
public enum Trainer {
    /// The fewest profiles a class (label true, label false) may have in the training sets.
    public static let minimumClassSize = 50

    /// Fits a model on training sets of the same features.
    ///
    /// - Parameters:
    ///   - name: the score's name; `file` its workspace-relative file, for errors.
    ///   - features: the feature expressions as written.
    ///   - training sets: at least two, any order.
    ///   - horizon: how far the label reads after each instant.
    ///   - lambda: the L2 penalty on standardised coefficients.
    ///   - trainedAt: the instant to record.
    public static func train(
        name: String, file: String, features: [String], sets: [TrainingSet], horizon: Int64,
        lambda: Double = LogisticRegression.defaultLambda, trainedAt: Int64
    ) throws(EngineError) -> TrainedModel {
        let ordered = sets.sorted { $0.asOf < $1.asOf }
        guard ordered.count >= 2, let heldOut = ordered.last else {
            throw EngineError(
                "cannot train `\(name)`: `train_as_of` needs at least two dates (the latest is held out to "
                    + "measure the model)", file: file)
        }
        let earlier = Array(ordered.dropLast())
        let training = merge(earlier, features: features.count)
        let positives = training.labels.filter { $0 }.count
        let negatives = training.labels.count - positives
        guard min(positives, negatives) >= minimumClassSize else {
            let dates = earlier.map { Instant.format($0.asOf) }.joined(separator: ", ")
            throw EngineError(
                "cannot train `\(name)`: the training sets (\(dates)) hold \(positives) profiles whose label "
                    + "is true and \(negatives) whose label is false; each class needs at least "
                    + "\(minimumClassSize)", file: file)
        }
        let measured = fit(training, features: features.count, lambda: lambda)
        let scores = (0..<heldOut.labels.count).map { i in
            measured.probability(Array(heldOut.rows[(i * features.count)..<((i + 1) * features.count)]))
        }
        let final = fit(merge(ordered, features: features.count), features: features.count, lambda: lambda)
        let metrics = TrainedModel.Metrics(
            sets: ordered.map {
                TrainedModel.SetSize(asOf: $0.asOf, profiles: $0.labels.count, positives: $0.positives)
            },
            heldOutAsOf: heldOut.asOf,
            auc: ModelMetrics.auc(scores: scores, labels: heldOut.labels),
            calibration: ModelMetrics.calibration(scores: scores, labels: heldOut.labels))
        return TrainedModel(
            name: name, features: features, standardization: final.standardization, intercept: final.intercept,
            coefficients: final.coefficients, lambda: lambda, trainAsOf: ordered.map(\.asOf), horizon: horizon,
            trainedAt: trainedAt, metrics: metrics)
    }

    /// A fitted model without metrics.
    struct Fitted {
        var standardization: Standardization
        var intercept: Double
        var coefficients: [Double]

        func probability(_ raw: [Double]) -> Double {
            LogisticRegression.probability(
                raw, standardization: standardization, intercept: intercept, coefficients: coefficients)
        }
    }

    /// Standardises the rows and fits them.
    static func fit(_ data: TrainingSet, features: Int, lambda: Double) -> Fitted {
        let standardization = Standardization(rows: data.rows, features: features)
        let result = LogisticRegression.fit(
            rows: standardization.apply(data.rows), features: features, labels: data.labels, lambda: lambda)
        return Fitted(standardization: standardization, intercept: result.intercept, coefficients: result.coefficients)
    }

    /// The rows of several training sets as one.
    private static func merge(_ sets: [TrainingSet], features: Int) -> TrainingSet {
        TrainingSet(
            asOf: sets.last?.asOf ?? 0, ids: sets.flatMap(\.ids), rows: sets.flatMap(\.rows),
            labels: sets.flatMap(\.labels), featureCount: features)
    }
}
