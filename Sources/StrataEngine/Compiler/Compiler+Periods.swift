import StrataLanguage

extension Compiler {
    /// `streak(P, COND)`: consecutive periods ending now where COND holds (LANGUAGE.md §6, §8).
    ///
    /// Period 0 is `[start of the current period, now]`, period k is `[start_k, start_(k-1))`. The current
    /// period counts when COND holds in it, else counting starts with the previous one; counting stops
    /// at the first period where COND is false and never goes past the period holding first_seen
    /// (no first_seen: 0).
    func streak(_ unit: CalendarUnit, _ condition: TypedExpr, _ expr: TypedExpr) throws(EngineError) -> Code {
        guard !scope.inPeriod, !scope.inWhere else {
            throw error("`streak` cannot be used inside `where`, `streak` or `count_periods`", at: expr)
        }
        let code = try with { $0.inPeriod = true }.compile(condition)
        let starts = engine.periodStarts(unit, count: engine.periodsSinceEarliestEvent(unit))
        let tl = timelines
        let now = self.now
        return { ev in
            guard let firstSeen = tl.firstSeen(ev.profile) else { return .number(0) }
            let saved = (ev.periodLow, ev.periodHigh)
            var count = 0
            for k in 0..<starts.count {
                let high = k == 0 ? now : starts[k - 1] - 1
                if high < firstSeen { break }
                ev.periodLow = starts[k]
                ev.periodHigh = high
                if code(ev).isTrue {
                    count += 1
                } else if k > 0 {
                    break
                }
            }
            (ev.periodLow, ev.periodHigh) = saved
            return .number(Double(count))
        }
    }

    /// `count_periods(P, COND, N)`: how many of the last N periods (the current one, `[start, now]`,
    /// included) satisfy COND.
    func countPeriods(
        _ unit: CalendarUnit, _ condition: TypedExpr, periods: Int, _ expr: TypedExpr
    )
        throws(EngineError) -> Code
    {
        guard !scope.inPeriod, !scope.inWhere else {
            throw error("`count_periods` cannot be used inside `where`, `streak` or `count_periods`", at: expr)
        }
        let code = try with { $0.inPeriod = true }.compile(condition)
        let starts = engine.periodStarts(unit, count: max(periods, 0))
        let now = self.now
        return { ev in
            let saved = (ev.periodLow, ev.periodHigh)
            var count = 0
            for k in 0..<starts.count {
                ev.periodLow = starts[k]
                ev.periodHigh = k == 0 ? now : starts[k - 1] - 1
                if code(ev).isTrue { count += 1 }
            }
            (ev.periodLow, ev.periodHigh) = saved
            return .number(Double(count))
        }
    }

    /// `percentile(EXPR)` / `percentile(EXPR, among: "s")`: a population pass, computed once per
    /// expression and kind and cached.
    ///
    /// 100 × the share of the population (profiles of this kind whose EXPR is not missing, or only the
    /// members of s) whose EXPR is <= this profile's. Missing when this profile's EXPR is missing or the
    /// population is empty.
    func percentile(_ inner: TypedExpr, among: String?, _ expr: TypedExpr) throws(EngineError) -> Code {
        guard !scope.inPeriod, !scope.inWhere else {
            throw error("`percentile` cannot be used inside `where`, `streak` or `count_periods`", at: expr)
        }
        let key = Engine.PopulationKey(file: file, range: expr.range, kind: scope.kind)
        if let cached = engine.populationCache[key] { return { ev in cached[ev.profile] } }
        let code = try compile(inner)
        let raw = engine.map(scope.kind) { ev, profile in
            ev.profile = profile
            return code(ev).rankable ?? Double.nan
        }
        var members: [Bool]?
        if let among {
            members = try engine.membership(of: among, kind: scope.kind, from: file, at: expr.range.start)
        }
        var population: [Double] = []
        for (profile, value) in raw.enumerated() where !value.isNaN && (members?[profile] ?? true) {
            population.append(value)
        }
        let results = Compiler.percentiles(of: raw, in: population, scale: 100)
        engine.populationCache[key] = results
        return { ev in results[ev.profile] }
    }

    /// For each value, `scale` × the share of `population` that is <= it; missing for NaN values or an
    /// empty population.
    static func percentiles(of values: [Double], in population: [Double], scale: Double) -> [Value] {
        let sorted = population.sorted()
        guard !sorted.isEmpty else { return [Value](repeating: .missing, count: values.count) }
        let total = Double(sorted.count)
        return values.map { value in
            if value.isNaN { return .missing }
            var low = 0
            var high = sorted.count
            while low < high {
                let mid = (low + high) / 2
                if sorted[mid] <= value { low = mid + 1 } else { high = mid }
            }
            return .number(scale * Double(low) / total)
        }
    }
}
