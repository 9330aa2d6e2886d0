/// A discrete distribution over 0..<n, sampled with one draw and a short scan.
struct Weights: Sendable {
    private let thresholds: [UInt32]

    /// Builds the distribution from non-negative weights (at least one positive).
    init(_ weights: [Double]) {
        let total = weights.reduce(0, +)
        var running = 0.0
        var thresholds: [UInt32] = []
        thresholds.reserveCapacity(weights.count)
        for weight in weights {
            running += weight
            let scaled = total > 0 ? running / total * 4_294_967_296.0 : 4_294_967_296.0
            thresholds.append(scaled >= 4_294_967_295.0 ? UInt32.max : UInt32(scaled))
        }
        if !thresholds.isEmpty { thresholds[thresholds.count - 1] = UInt32.max }
        self.thresholds = thresholds
    }

    /// The number of outcomes.
    var count: Int { thresholds.count }

    /// Draws one outcome.
    @inline(__always)
    func pick(_ rng: inout RandomSource) -> Int {
        let r = UInt32(truncatingIfNeeded: rng.next() >> 32)
        var index = 0
        let last = thresholds.count - 1
        while index < last && r >= thresholds[index] { index += 1 }
        return index
    }
}
