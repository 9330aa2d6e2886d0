import Foundation

/// A logistic model fitted by `strata train`: what scoring needs (standardisation and coefficients) and
/// what training measured. Stored as JSON.
public struct TrainedModel: Sendable, Equatable, Codable {
    /// The score's name.
    public var name: String
    /// The feature expressions as written, in order: a stored model only scores a definition whose
    /// features, label and population read the same.
    public var features: [String]
    /// The label as written.
    public var label: String
    /// The population as written; nil for every profile.
    public var population: String?
    /// The standardisation of the training rows.
    public var standardization: Standardization
    /// β₀ on the standardised features.
    public var intercept: Double
    /// βⱼ on the standardised features.
    public var coefficients: [Double]
    /// The L2 penalty λ.
    public var lambda: Double
    /// The training set instants trained on, oldest first.
    public var trainAsOf: [Int64]
    /// How far the label reads after each instant, in milliseconds.
    public var horizon: Int64
    /// When the model was trained.
    public var trainedAt: Int64
    /// What training measured.
    public var metrics: Metrics

    /// What training measured: each training set's size and outcome rate, and AUC and calibration on the
    /// latest training set for a model fitted on the earlier ones.
    public struct Metrics: Sendable, Equatable, Codable {
        /// Per training set: instant, profiles, positives.
        public var sets: [SetSize]
        /// The held-out training set's instant.
        public var heldOutAsOf: Int64
        /// AUC on the held-out training set; nil when it has a single class.
        public var auc: Double?
        /// Calibration by decile on the held-out training set.
        public var calibration: [ModelMetrics.CalibrationBin]

        /// Metrics from their parts.
        public init(
            sets: [SetSize], heldOutAsOf: Int64, auc: Double?, calibration: [ModelMetrics.CalibrationBin]
        ) {
            self.sets = sets
            self.heldOutAsOf = heldOutAsOf
            self.auc = auc
            self.calibration = calibration
        }

        /// The keys of the stored document, which kept their names when training sets were called
        /// snapshots, so that models stored before read the same.
        enum CodingKeys: String, CodingKey {
            case sets = "snapshots"
            case heldOutAsOf, auc, calibration
        }
    }

    /// One training set's size.
    public struct SetSize: Sendable, Equatable, Codable {
        /// Its instant.
        public var asOf: Int64
        /// Profiles in the model's population.
        public var profiles: Int
        /// Of those, the ones whose label is true.
        public var positives: Int

        /// A size from its parts.
        public init(asOf: Int64, profiles: Int, positives: Int) {
            self.asOf = asOf
            self.profiles = profiles
            self.positives = positives
        }
    }

    /// A model from its parts.
    public init(
        name: String, features: [String], standardization: Standardization, intercept: Double, coefficients: [Double],
        lambda: Double, trainAsOf: [Int64], horizon: Int64, trainedAt: Int64, metrics: Metrics, label: String = "",
        population: String? = nil
    ) {
        self.name = name
        self.features = features
        self.label = label
        self.population = population
        self.standardization = standardization
        self.intercept = intercept
        self.coefficients = coefficients
        self.lambda = lambda
        self.trainAsOf = trainAsOf
        self.horizon = horizon
        self.trainedAt = trainedAt
        self.metrics = metrics
    }

    /// The coefficients per unit of each raw feature: βⱼ / scaleⱼ.
    public var rawCoefficients: [Double] {
        zip(coefficients, standardization.scales).map { $0 / $1 }
    }

    /// The intercept on raw features: β₀ − Σⱼ βⱼ meanⱼ / scaleⱼ.
    public var rawIntercept: Double {
        var value = intercept
        for j in coefficients.indices {
            value -= coefficients[j] * standardization.means[j] / standardization.scales[j]
        }
        return value
    }

    /// The predicted probability for raw feature values (NaN is missing: the training mean).
    public func probability(_ raw: [Double]) -> Double {
        LogisticRegression.probability(
            raw, standardization: standardization, intercept: intercept, coefficients: coefficients)
    }

    /// The model as JSON text.
    public func encoded() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// A model from its JSON text.
    public static func decoded(_ text: String) throws -> TrainedModel {
        try JSONDecoder().decode(TrainedModel.self, from: Data(text.utf8))
    }
}
