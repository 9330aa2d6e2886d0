import StrataLanguage

extension Compiler {
    /// Compiles `followed_by`, `not_followed_by` and `funnel` (LANGUAGE.md §6, §8).
    ///
    /// B follows A when a < b <= a + D; only the first step is restricted by the window, and later
    /// steps must be at or before now. `not_followed_by` only considers an A with a + D <= now.
    /// A funnel counts the most steps completed in order (each strictly after the previous one), all
    /// within D of its first step; for a fixed first step, taking the earliest next step is optimal.
    /// In a model's label, with the window `next W`, "now" for the later steps is the end of what the
    /// label reads, now + W + D (``TrainingSet/horizon(of:)``): the first step in (now, now + W], the
    /// later ones within D of it.
    func sequence(_ sequence: EventSequence) throws(EngineError) -> Code {
        let tl = timelines
        var filters: [EventFilter] = []
        for step in sequence.steps { filters.append(try filter(step)) }
        let w = try window(sequence.window)
        let within = sequence.within
        var end = self.now
        if case .next(let d) = sequence.window { end = Compiler.plus(Compiler.plus(end, d), within) }
        let now = end
        guard filters.count >= 2 else { return { _ in .missing } }
        let a = filters[0]
        let b = filters[1]
        switch sequence.kind {
        case .followedBy, .notFollowedBy:
            let wantFollowed = sequence.kind == .followedBy
            return { ev in
                let (low, high) = w(ev)
                if low > high { return .bool(false) }
                let all = tl.events(of: ev.profile, from: Int64.min, through: now)
                let firsts = tl.events(of: ev.profile, from: low, through: high)
                var scan = firsts.lowerBound
                var found = -1
                for i in firsts where a.matches(tl, i, ev) {
                    let t = tl.times[i]
                    let deadline = Compiler.plus(t, within)
                    if !wantFollowed, deadline > now { continue }
                    if found >= 0, tl.times[found] <= t {
                        scan = found + 1
                        found = -1
                    }
                    if found < 0 {
                        if scan < i + 1 { scan = i + 1 }
                        while scan < all.upperBound, tl.times[scan] <= t { scan += 1 }
                        while scan < all.upperBound, tl.times[scan] <= deadline {
                            if b.matches(tl, scan, ev) {
                                found = scan
                                break
                            }
                            scan += 1
                        }
                    }
                    let followed = found >= 0 && tl.times[found] <= deadline
                    if followed == wantFollowed { return .bool(true) }
                }
                return .bool(false)
            }
        case .funnel:
            let steps = filters
            return { ev in
                let (low, high) = w(ev)
                if low > high { return .number(0) }
                let all = tl.events(of: ev.profile, from: Int64.min, through: now)
                let firsts = tl.events(of: ev.profile, from: low, through: high)
                var best = 0
                for i in firsts where steps[0].matches(tl, i, ev) {
                    let start = tl.times[i]
                    let deadline = Compiler.plus(start, within)
                    var completed = 1
                    var previous = start
                    var j = i + 1
                    stepLoop: for k in 1..<steps.count {
                        while j < all.upperBound, tl.times[j] <= previous { j += 1 }
                        while j < all.upperBound, tl.times[j] <= deadline {
                            if steps[k].matches(tl, j, ev) {
                                previous = tl.times[j]
                                completed += 1
                                j += 1
                                continue stepLoop
                            }
                            j += 1
                        }
                        break
                    }
                    best = max(best, completed)
                    if best == steps.count { break }
                }
                return .number(Double(best))
            }
        }
    }
}
