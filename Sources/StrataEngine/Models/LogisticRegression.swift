import Foundation

/// L2-regularised logistic regression, fitted by Newton's method (iteratively reweighted least squares).
///
/// Minimises Σᵢ [log(1 + e^ηᵢ) − yᵢ ηᵢ] + λ/2 Σⱼ βⱼ², where ηᵢ = β₀ + Σⱼ βⱼ xᵢⱼ; the intercept β₀ is not
/// penalised. This is scikit-learn's `LogisticRegression(C: 1/λ)` objective. Each step solves
/// (XᵀWX + λD) s = Xᵀ(p − y) + λDβ by Cholesky and halves the step while the objective grows.
public enum LogisticRegression {
    /// The penalty used by `strata train`: λ = 1 on standardised features (scikit-learn's default C = 1).
    public static let defaultLambda = 1.0

    /// A fitted model on the features it was given (standardised ones, for `strata train`).
    public struct Fit: Sendable, Equatable {
        /// β₀.
        public var intercept: Double
        /// β₁…βₚ, one per feature.
        public var coefficients: [Double]
        /// Newton steps taken.
        public var iterations: Int
        /// Whether the last step changed no coefficient by more than 1e-10.
        public var converged: Bool
    }

    /// Fits the model.
    ///
    /// - Parameters:
    ///   - rows: n × p values, row after row (no missing values).
    ///   - features: p.
    ///   - labels: n outcomes.
    ///   - lambda: the L2 penalty λ ≥ 0 on the coefficients.
    ///   - maxIterations: the most Newton steps to take.
    public static func fit(
        rows: [Double], features: Int, labels: [Bool], lambda: Double, maxIterations: Int = 100
    ) -> Fit {
        let k = features + 1
        var beta = [Double](repeating: 0, count: k)
        var current = evaluate(beta, rows, features, labels, lambda)
        var iterations = 0
        var converged = false
        while iterations < maxIterations, !converged {
            iterations += 1
            guard let step = solve(current.hessian, current.gradient, k) else { break }
            var scale = 1.0
            var candidate = beta
            var next = current
            while scale > 1e-12 {
                candidate = zip(beta, step).map { $0 - scale * $1 }
                next = evaluate(candidate, rows, features, labels, lambda)
                if next.objective <= current.objective + 1e-12 * max(1, abs(current.objective)) { break }
                scale /= 2
            }
            let largest = step.map { abs($0 * scale) }.max() ?? 0
            beta = candidate
            current = next
            converged = largest < 1e-10
        }
        return Fit(
            intercept: beta[0], coefficients: Array(beta.dropFirst()), iterations: iterations, converged: converged)
    }

    /// The logistic function 1 / (1 + e⁻ˣ).
    public static func sigmoid(_ x: Double) -> Double {
        x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x))
    }

    /// The probability for one profile's raw feature values (NaN is missing) under a standardisation
    /// and coefficients on the standardised features.
    public static func probability(
        _ raw: [Double], standardization: Standardization, intercept: Double, coefficients: [Double]
    ) -> Double {
        let z = standardization.apply(raw)
        var eta = intercept
        for j in coefficients.indices where j < z.count { eta += coefficients[j] * z[j] }
        return sigmoid(eta)
    }

    private struct State {
        var objective: Double
        var gradient: [Double]
        /// k × k, row-major.
        var hessian: [Double]
    }

    /// The penalised objective, its gradient and its Hessian at β.
    private static func evaluate(
        _ beta: [Double], _ rows: [Double], _ p: Int, _ labels: [Bool], _ lambda: Double
    ) -> State {
        let k = p + 1
        var objective = 0.0
        var gradient = [Double](repeating: 0, count: k)
        var hessian = [Double](repeating: 0, count: k * k)
        var x = [Double](repeating: 1, count: k)
        for i in labels.indices {
            var eta = beta[0]
            for j in 0..<p {
                x[j + 1] = rows[i * p + j]
                eta += beta[j + 1] * x[j + 1]
            }
            let y = labels[i] ? 1.0 : 0.0
            objective += max(eta, 0) + log1p(exp(-abs(eta))) - y * eta
            let probability = sigmoid(eta)
            let weight = probability * (1 - probability)
            let residual = probability - y
            for a in 0..<k {
                gradient[a] += residual * x[a]
                let wa = weight * x[a]
                for b in a..<k { hessian[a * k + b] += wa * x[b] }
            }
        }
        for j in 1..<k {
            objective += lambda / 2 * beta[j] * beta[j]
            gradient[j] += lambda * beta[j]
            hessian[j * k + j] += lambda
        }
        for a in 0..<k {
            for b in 0..<a { hessian[a * k + b] = hessian[b * k + a] }
        }
        return State(objective: objective, gradient: gradient, hessian: hessian)
    }

    /// Solves A s = b for a symmetric positive-definite A (k × k, row-major) by Cholesky; nil when A is
    /// not positive definite.
    static func solve(_ a: [Double], _ b: [Double], _ k: Int) -> [Double]? {
        var l = [Double](repeating: 0, count: k * k)
        for i in 0..<k {
            for j in 0...i {
                var sum = a[i * k + j]
                for m in 0..<j { sum -= l[i * k + m] * l[j * k + m] }
                if i == j {
                    guard sum > 0, sum.isFinite else { return nil }
                    l[i * k + i] = sum.squareRoot()
                } else {
                    l[i * k + j] = sum / l[j * k + j]
                }
            }
        }
        var z = [Double](repeating: 0, count: k)
        for i in 0..<k {
            var sum = b[i]
            for m in 0..<i { sum -= l[i * k + m] * z[m] }
            z[i] = sum / l[i * k + i]
        }
        var s = [Double](repeating: 0, count: k)
        for i in stride(from: k - 1, through: 0, by: -1) {
            var sum = z[i]
            for m in (i + 1)..<k { sum -= l[m * k + i] * s[m] }
            s[i] = sum / l[i * k + i]
        }
        return s
    }
}
