/// Funnels: a profile reaches step k when it did steps 1..k in order, each strictly after the one
/// before, all within a span of its first step (the step-1 event that gets it furthest counts).
public enum Funnel {
    /// How far a profile got (0: not even step 1), given each step's event times, ascending.
    public static func reached(_ steps: [ArraySlice<Int64>], within: Int64) -> Int {
        guard let first = steps.first else { return 0 }
        var best = 0
        for start in first {
            var reached = 1
            var previous = start
            for step in steps.dropFirst() {
                let next = Cohorts.firstIndex(atOrAfter: previous + 1, in: step)
                guard next < step.endIndex, step[next] <= start + within else { break }
                previous = step[next]
                reached += 1
            }
            best = max(best, reached)
            if best == steps.count { break }
        }
        return best
    }

    /// How many of some profiles reached each step, from how far each got.
    public static func counts(_ reached: [Int], steps: Int) -> [Int] {
        guard steps > 0 else { return [] }
        return (1...steps).map { k in reached.filter { $0 >= k }.count }
    }
}
