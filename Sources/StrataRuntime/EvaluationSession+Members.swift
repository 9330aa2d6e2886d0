import StrataCore
import StrataEngine
import StrataLanguage

extension EvaluationSession {
    /// The members of segments as of each of some instants, by batch evaluation: timelines as of up to
    /// 16 instants are built in one pass over the store. `loadSeconds` is the time spent reading the
    /// store and building timelines.
    public func members(
        of names: [String], at instants: [Int64], progress: (Int) -> Void = { _ in }
    ) throws(SessionError) -> (members: [[String: Set<String>]], loadSeconds: Double) {
        var results: [[String: Set<String>]] = []
        var loadSeconds = 0.0
        var start = 0
        while start < instants.count {
            let chunk = Array(instants[start..<min(start + 16, instants.count)])
            var builders = chunk.map { TimelineBuilder(asOf: $0, needs: DataNeeds(definitions: definitions)) }
            let started = ContinuousClock.now
            _ = try scan(into: &builders, progress: progress)
            let populations = builders.map { $0.build() }
            loadSeconds += (ContinuousClock.now - started).seconds
            for (instant, population) in zip(chunk, populations) {
                let engine = self.engine(over: population, now: instant)
                var members: [String: Set<String>] = [:]
                for name in names {
                    do {
                        members[name] = Set(try engine.segment(named: name).members)
                    } catch {
                        throw SessionError(.evaluation, error.description)
                    }
                }
                results.append(members)
            }
            start += chunk.count
        }
        return (results, loadSeconds)
    }
}
