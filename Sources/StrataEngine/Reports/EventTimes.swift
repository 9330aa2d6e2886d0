import StrataLanguage

/// The instants of each profile's events that a selector picks, ascending, profile by profile.
public struct EventTimes: Sendable {
    private let offsets: [Int]
    private let times: [Int64]

    /// Event times with each profile's range: profile `p` owns `offsets[p]..<offsets[p + 1]`.
    init(offsets: [Int], times: [Int64]) {
        self.offsets = offsets
        self.times = times
    }

    /// Event times from each profile's list.
    public init(_ lists: [[Int64]]) {
        var offsets = [0]
        offsets.reserveCapacity(lists.count + 1)
        for list in lists { offsets.append(offsets[offsets.count - 1] + list.count) }
        self.offsets = offsets
        times = lists.flatMap { $0 }
    }

    /// How many profiles there are.
    public var count: Int { offsets.count - 1 }

    /// A profile's event times, ascending.
    public subscript(profile: Int) -> ArraySlice<Int64> { times[offsets[profile]..<offsets[profile + 1]] }

    /// The first of a profile's event times at or after an instant; nil when there is none (or no
    /// profile).
    public func first(of profile: Int?, atOrAfter instant: Int64) -> Int64? {
        guard let profile else { return nil }
        var low = offsets[profile]
        var high = offsets[profile + 1]
        let end = high
        while low < high {
            let mid = (low + high) / 2
            if times[mid] < instant { low = mid + 1 } else { high = mid }
        }
        return low < end ? times[low] : nil
    }
}

extension Engine {
    /// The times of every profile's events that a selector picks (`"Logged In"`, `any where plan = "pro"`).
    public func eventTimes(
        matching selector: EventSelector, kind: ProfileKind = .users
    ) throws(EngineError)
        -> EventTimes
    {
        let filter = try Compiler(engine: self, file: nil, scope: .init(kind: kind)).filter(selector)
        let timelines = population.timelines(kind)
        // `any`: every event, as the timelines hold them.
        if filter.mask == nil, filter.predicate == nil {
            return EventTimes(offsets: timelines.starts, times: timelines.times)
        }
        return EventTimes(
            map(kind) { evaluator, profile in
                evaluator.profile = profile
                var times: [Int64] = []
                for event in timelines.events(of: profile) where filter.matches(timelines, event, evaluator) {
                    times.append(timelines.times[event])
                }
                return times
            })
    }
}
