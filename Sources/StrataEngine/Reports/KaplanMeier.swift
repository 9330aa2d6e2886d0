import Foundation

/// The Kaplan-Meier estimate of how long something lasts, from durations some of which are still
/// running (right-censored): S(t) = Π over event times tᵢ ≤ t of (1 − dᵢ/nᵢ), with Greenwood's variance
/// S(t)²·Σ dᵢ/(nᵢ(nᵢ − dᵢ)). The 95% interval is Greenwood's on the log(−log) scale (as lifelines
/// gives it), which stays inside [0, 1].
public struct KaplanMeier: Sendable {
    /// One event time: how many were at risk just before it and how many ended at it.
    public struct Step: Sendable, Equatable {
        /// The duration.
        public var time: Int64
        /// At risk just before it.
        public var atRisk: Int
        /// Ended at it.
        public var ended: Int
        /// S just after it.
        public var survival: Double
        /// Σ dᵢ/(nᵢ(nᵢ − dᵢ)) through it (infinite once S reaches 0).
        public var greenwood: Double
    }

    /// The event times, in order.
    public let steps: [Step]
    /// Every duration, ascending.
    private let durations: [Int64]

    /// The estimate from durations, each with whether it ended (false: still running when observed).
    public init(_ durations: [(duration: Int64, ended: Bool)]) {
        self.durations = durations.map(\.duration).sorted()
        var ends: [Int64: Int] = [:]
        var leaving: [Int64: Int] = [:]
        for item in durations {
            leaving[item.duration, default: 0] += 1
            if item.ended { ends[item.duration, default: 0] += 1 }
        }
        var atRisk = durations.count
        var survival = 1.0
        var greenwood = 0.0
        var steps: [Step] = []
        for time in leaving.keys.sorted() {
            if let ended = ends[time], ended > 0 {
                survival *= 1 - Double(ended) / Double(atRisk)
                greenwood += ended < atRisk ? Double(ended) / Double(atRisk * (atRisk - ended)) : .infinity
                steps.append(Step(time: time, atRisk: atRisk, ended: ended, survival: survival, greenwood: greenwood))
            }
            atRisk -= leaving[time] ?? 0
        }
        self.steps = steps
    }

    /// S(t): the share still going after t; 1 before the first end.
    public func survival(at t: Int64) -> Double {
        step(at: t)?.survival ?? 1
    }

    /// How many durations there are.
    public var count: Int { durations.count }

    /// How many lasted (or were observed) at least t: those at risk at t.
    public func atRisk(at t: Int64) -> Int {
        var low = 0
        var high = durations.count
        while low < high {
            let mid = (low + high) / 2
            if durations[mid] < t { low = mid + 1 } else { high = mid }
        }
        return durations.count - low
    }

    /// The 95% interval of S(t): exp(−exp(ln(−ln S) ± z·√V / |ln S|)) with V Greenwood's sum; nil where
    /// S is 0 or 1 (no spread to state).
    public func interval(at t: Int64) -> ClosedRange<Double>? {
        guard let step = step(at: t), step.survival > 0, step.survival < 1, step.greenwood.isFinite else { return nil }
        let logS = log(step.survival)
        let half = Statistics.z95 * step.greenwood.squareRoot() / abs(logS)
        let centre = log(-logS)
        return exp(-exp(centre + half))...exp(-exp(centre - half))
    }

    /// The median duration: the first event time where S falls to 0.5 or below; nil when it never does.
    public var median: Int64? {
        steps.first { $0.survival <= 0.5 }?.time
    }

    /// The last event time at or before t.
    private func step(at t: Int64) -> Step? {
        var low = 0
        var high = steps.count
        while low < high {
            let mid = (low + high) / 2
            if steps[mid].time <= t { low = mid + 1 } else { high = mid }
        }
        return low == 0 ? nil : steps[low - 1]
    }
}
