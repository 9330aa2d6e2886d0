/// Per-feature centring and scaling: z = (x − mean) / scale, with a missing value mapped to 0 (the mean).
///
/// The mean and scale are those of the non-missing values; the scale is their population standard
/// deviation (divisor n, as scikit-learn's `StandardScaler`), or 1 when it is 0 or there are no values.
public struct Standardization: Sendable, Equatable, Codable {
    /// One mean per feature.
    public var means: [Double]
    /// One scale per feature.
    public var scales: [Double]

    /// A standardisation from its parts.
    public init(means: [Double], scales: [Double]) {
        self.means = means
        self.scales = scales
    }

    /// The standardisation of n × p values, row after row (NaN is missing).
    public init(rows: [Double], features p: Int) {
        var means: [Double] = []
        var scales: [Double] = []
        let n = p == 0 ? 0 : rows.count / p
        for j in 0..<p {
            var count = 0.0
            var sum = 0.0
            for i in 0..<n where !rows[i * p + j].isNaN {
                count += 1
                sum += rows[i * p + j]
            }
            let mean = count > 0 ? sum / count : 0
            var squares = 0.0
            for i in 0..<n where !rows[i * p + j].isNaN {
                let d = rows[i * p + j] - mean
                squares += d * d
            }
            let deviation = count > 0 ? (squares / count).squareRoot() : 0
            means.append(mean)
            scales.append(deviation > 0 && deviation.isFinite ? deviation : 1)
        }
        self.init(means: means, scales: scales)
    }

    /// Standardised values of n × p rows (NaN becomes 0).
    public func apply(_ rows: [Double]) -> [Double] {
        let p = means.count
        return rows.enumerated().map { index, x in
            let j = index % p
            return x.isNaN ? 0 : (x - means[j]) / scales[j]
        }
    }
}
