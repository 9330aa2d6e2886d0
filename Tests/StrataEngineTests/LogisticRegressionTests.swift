import Foundation
import StrataEngine
import Testing

/// The fit, the standardisation and the metrics, against values worked out outside this code.
@Suite struct LogisticRegressionTests {
    /// 12 rows: x1 = 0...11, x2 a 0/1 flag, and the labels.
    static let x1: [Double] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
    static let x2: [Double] = [1, 0, 1, 0, 1, 1, 0, 0, 1, 0, 1, 1]
    static let labels = [false, false, false, true, false, false, true, true, false, true, true, true]

    static var rows: [Double] { zip(x1, x2).flatMap { [$0, $1] } }

    /// Means and population standard deviations: x1 mean 5.5, sd √(143/12); x2 mean 7/12, sd √(7/12 · 5/12).
    @Test func standardizationIsMeanAndPopulationDeviation() {
        let s = Standardization(rows: Self.rows, features: 2)
        #expect(abs(s.means[0] - 5.5) < 1e-12)
        #expect(abs(s.means[1] - 7.0 / 12) < 1e-12)
        #expect(abs(s.scales[0] - (143.0 / 12).squareRoot()) < 1e-12)
        #expect(abs(s.scales[1] - (7.0 / 12 * 5.0 / 12).squareRoot()) < 1e-12)
    }

    /// Missing values are left out of the mean and scale and become 0; a constant feature has scale 1.
    @Test func standardizationOfMissingAndConstantValues() {
        let s = Standardization(rows: [1, 4, .nan, 4, 5, 4], features: 2)
        #expect(s.means == [3, 4])
        #expect(s.scales == [2, 1])
        #expect(s.apply([.nan, 4, 7, 6]) == [0, 0, 2, 2])
    }

    /// Coefficients from scikit-learn 1.9.1: StandardScaler, then
    /// LogisticRegression(C=1/λ, solver="newton-cg", tol=1e-12) on the same 12 rows.
    @Test(arguments: [
        (1.0, -0.0527995844464557, 1.2084863672588926, -1.008703158652554),
        (0.1, -0.3445554757631626, 2.98970588130596, -2.694599124719147),
    ])
    func fitMatchesScikitLearn(lambda: Double, intercept: Double, b1: Double, b2: Double) {
        let s = Standardization(rows: Self.rows, features: 2)
        let fit = LogisticRegression.fit(
            rows: s.apply(Self.rows), features: 2, labels: Self.labels, lambda: lambda)
        #expect(fit.converged)
        #expect(abs(fit.intercept - intercept) < 1e-8)
        #expect(abs(fit.coefficients[0] - b1) < 1e-8)
        #expect(abs(fit.coefficients[1] - b2) < 1e-8)
    }

    /// Rows (x = 1, y = 1) and (x = −1, y = 0) with λ = 1: by symmetry β₀ = 0, and the optimum solves
    /// β = 2(1 − σ(β)), whose root (by bisection) is 0.6748316143423994.
    @Test func fitOfTheSymmetricPair() {
        let fit = LogisticRegression.fit(rows: [1, -1], features: 1, labels: [true, false], lambda: 1)
        #expect(abs(fit.intercept) < 1e-12)
        #expect(abs(fit.coefficients[0] - 0.6748316143423994) < 1e-10)
    }

    /// A feature that is 0 everywhere keeps β = 0 (the penalty holds it), so the unpenalised intercept
    /// alone fits the base rate: 3 of 4 gives ln 3.
    @Test func interceptAloneIsTheLogOdds() {
        let fit = LogisticRegression.fit(
            rows: [0, 0, 0, 0], features: 1, labels: [true, true, true, false], lambda: 1)
        #expect(abs(fit.intercept - log(3)) < 1e-10)
        #expect(abs(fit.coefficients[0]) < 1e-12)
    }

    /// Positives {0.35, 0.8} against negatives {0.1, 0.4}: 3 of 4 pairs ordered → 0.75. With a tie
    /// (positives {0.5, 0.9}, negatives {0.5, 0.2}): 3 pairs and one half → 0.875.
    @Test func aucCountsOrderedPairsAndHalfTies() {
        #expect(ModelMetrics.auc(scores: [0.1, 0.4, 0.35, 0.8], labels: [false, false, true, true]) == 0.75)
        #expect(ModelMetrics.auc(scores: [0.5, 0.5, 0.2, 0.9], labels: [true, false, false, true]) == 0.875)
        #expect(ModelMetrics.auc(scores: [0.1, 0.2], labels: [true, true]) == nil)
    }

    /// Sorted: 0.1 F, 0.3 F | 0.5 T, 0.7 F, 0.9 T. Two groups: positions 0..<2 and 2..<5.
    @Test func calibrationGroupsBySortedPrediction() {
        let bins = ModelMetrics.calibration(
            scores: [0.9, 0.1, 0.5, 0.3, 0.7], labels: [true, false, true, false, false], groups: 2)
        #expect(bins.map(\.count) == [2, 3])
        #expect(abs(bins[0].predicted - 0.2) < 1e-12)
        #expect(bins[0].observed == 0)
        #expect(abs(bins[1].predicted - 0.7) < 1e-12)
        #expect(abs(bins[1].observed - 2.0 / 3) < 1e-12)
    }

    /// Raw-scale coefficients: β / scale, and the intercept β₀ − Σ β·mean/scale. Mean 2, scale 4,
    /// β₀ = 1, β = 2: raw slope 0.5, raw intercept 0; at x = 2 the probability is σ(1).
    @Test func rawScaleCoefficients() {
        let model = TrainedModel(
            name: "m", features: ["x"], standardization: Standardization(means: [2], scales: [4]), intercept: 1,
            coefficients: [2], lambda: 1, trainAsOf: [], horizon: 0, trainedAt: 0,
            metrics: .init(sets: [], heldOutAsOf: 0, auc: nil, calibration: []))
        #expect(model.rawCoefficients == [0.5])
        #expect(model.rawIntercept == 0)
        #expect(abs(model.probability([2]) - 1 / (1 + exp(-1))) < 1e-15)
        #expect(abs(model.probability([.nan]) - 1 / (1 + exp(-1))) < 1e-15)
    }
}
