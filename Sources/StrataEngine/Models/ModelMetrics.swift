/// How well predicted probabilities rank and match outcomes.
public enum ModelMetrics {
    /// The area under the ROC curve: the probability that a random positive scores above a random
    /// negative, ties counting one half (the Mann-Whitney U statistic over n₊ × n₋); nil when either
    /// class is empty.
    public static func auc(scores: [Double], labels: [Bool]) -> Double? {
        let positives = labels.filter { $0 }.count
        let negatives = labels.count - positives
        guard positives > 0, negatives > 0 else { return nil }
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var rankSum = 0.0
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count, scores[order[end + 1]] == scores[order[start]] { end += 1 }
            let rank = Double(start + end) / 2 + 1
            for position in start...end where labels[order[position]] { rankSum += rank }
            start = end + 1
        }
        let p = Double(positives)
        return (rankSum - p * (p + 1) / 2) / (p * Double(negatives))
    }

    /// One group of a calibration table.
    public struct CalibrationBin: Sendable, Equatable, Codable {
        /// Profiles in the group.
        public var count: Int
        /// Their mean predicted probability.
        public var predicted: Double
        /// Their observed outcome rate.
        public var observed: Double

        /// A bin from its parts.
        public init(count: Int, predicted: Double, observed: Double) {
            self.count = count
            self.predicted = predicted
            self.observed = observed
        }
    }

    /// Calibration by quantile: profiles sorted by predicted probability (ties in input order), group
    /// g of `groups` holding positions ⌊g·n/groups⌋ ..< ⌊(g+1)·n/groups⌋; empty groups are left out.
    public static func calibration(scores: [Double], labels: [Bool], groups: Int = 10) -> [CalibrationBin] {
        let n = scores.count
        let groups = max(1, groups)
        let order = scores.indices.sorted { scores[$0] < scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
        var bins: [CalibrationBin] = []
        for g in 0..<groups {
            let low = g * n / groups
            let high = (g + 1) * n / groups
            guard high > low else { continue }
            var predicted = 0.0
            var observed = 0.0
            for position in low..<high {
                predicted += scores[order[position]]
                if labels[order[position]] { observed += 1 }
            }
            let count = Double(high - low)
            bins.append(CalibrationBin(count: high - low, predicted: predicted / count, observed: observed / count))
        }
        return bins
    }
}
