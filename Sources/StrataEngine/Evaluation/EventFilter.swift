/// A compiled event selector: a mask of the event names it picks and an optional `where` predicate.
struct EventFilter: Sendable {
    /// Whether each event name id is selected; nil selects every name (`any`).
    let mask: [Bool]?
    /// The `where` condition, if any.
    let predicate: Predicate?
    /// True when no event can match (every name is unknown).
    let matchesNothing: Bool

    /// Whether event `i` of `timelines` is selected.
    @inline(__always) func matches(_ timelines: Timelines, _ i: Int, _ evaluator: Evaluator) -> Bool {
        if let mask, !mask[Int(timelines.names[i])] { return false }
        if let predicate { return predicate(evaluator, i) }
        return true
    }

    /// The number of selected events in a range.
    @inline(__always) func count(_ timelines: Timelines, _ range: Range<Int>, _ evaluator: Evaluator) -> Int {
        if matchesNothing { return 0 }
        if mask == nil, predicate == nil { return range.count }
        var n = 0
        for i in range where matches(timelines, i, evaluator) { n += 1 }
        return n
    }

    /// The first selected event in a range.
    @inline(__always) func first(_ timelines: Timelines, _ range: Range<Int>, _ evaluator: Evaluator) -> Int? {
        if matchesNothing { return nil }
        for i in range where matches(timelines, i, evaluator) { return i }
        return nil
    }

    /// The last selected event in a range.
    @inline(__always) func last(_ timelines: Timelines, _ range: Range<Int>, _ evaluator: Evaluator) -> Int? {
        if matchesNothing { return nil }
        for i in range.reversed() where matches(timelines, i, evaluator) { return i }
        return nil
    }
}
