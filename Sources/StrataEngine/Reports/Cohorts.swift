/// Retention and conversion of cohorts: profiles each with a day 0 (`start`), and the events that
/// count as coming back or converting. A day is 86,400,000 ms from the start, not a calendar day.
public enum Cohorts {
    /// One day in ms.
    public static let day: Int64 = 86_400_000
    /// The latest day a report follows a cohort to, and the longest window it waits for a goal in
    /// (days): a hundred years.
    public static let maxDays = 36_500

    /// A cohort member: its day 0 and its profile's index in the event times (nil for a profile the
    /// timelines do not hold, which has no events).
    public struct Member: Sendable {
        /// Day 0's first instant.
        public var start: Int64
        /// The profile's index.
        public var profile: Int?

        /// A member from its parts.
        public init(start: Int64, profile: Int?) {
            self.start = start
            self.profile = profile
        }
    }

    /// How a return on day N is counted.
    public enum Mode: String, Sendable, CaseIterable {
        /// A return event within day N: [d0 + N days, d0 + (N+1) days).
        case on
        /// A return event at or after d0 + N days.
        case onOrAfter = "on-or-after"
    }

    /// One cell of a retention table.
    public struct Cell: Sendable, Equatable {
        /// The day.
        public var day: Int
        /// The cohort's size.
        public var size: Int
        /// Members who had the whole day by the report's instant.
        public var eligible: Int
        /// Of those, the ones who returned.
        public var returned: Int

        /// A cell from its counts.
        public init(day: Int, size: Int, eligible: Int, returned: Int) {
            self.day = day
            self.size = size
            self.eligible = eligible
            self.returned = returned
        }

        /// returned of eligible, with its Wilson interval; empty when nobody is eligible.
        public var proportion: Statistics.Proportion { Statistics.Proportion(returned, of: eligible) }
        /// Whether some members had not reached the day and are left out.
        public var partial: Bool { eligible < size }
    }

    /// A retention row: one cell per day, from the members' return event times.
    public static func retention(
        _ members: [Member], events: EventTimes, days: [Int], mode: Mode, asOf: Int64
    ) -> [Cell] {
        days.map { n in
            var cell = Cell(day: n, size: members.count, eligible: 0, returned: 0)
            for member in members {
                let low = member.start + Int64(n) * day
                let high = low + day
                guard high <= asOf else { continue }
                cell.eligible += 1
                if let first = events.first(of: member.profile, atOrAfter: low), mode == .onOrAfter || first < high {
                    cell.returned += 1
                }
            }
            return cell
        }
    }

    /// Conversion: a goal event in (d0, d0 + within]; only members with d0 + within at or before the
    /// report's instant are eligible.
    public static func conversion(
        _ members: [Member], events: EventTimes, within: Int64, asOf: Int64
    ) -> Statistics.Proportion {
        var result = Statistics.Proportion(0, of: 0)
        for member in members where member.start + within <= asOf {
            result.trials += 1
            if let first = events.first(of: member.profile, atOrAfter: member.start + 1), first <= member.start + within
            {
                result.successes += 1
            }
        }
        return result
    }

    /// The first position in sorted times holding a time at or after `instant`.
    static func firstIndex(atOrAfter instant: Int64, in times: ArraySlice<Int64>) -> Int {
        var low = times.startIndex
        var high = times.endIndex
        while low < high {
            let mid = (low + high) / 2
            if times[mid] < instant { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// Whether two rows differ by under this at the compared day: the pair is cosmetic.
    public static let cosmeticDifference = 0.15

    /// The difference between two cells (a − b) with Newcombe's interval.
    public static func difference(_ a: Cell, _ b: Cell) -> (difference: Double, interval: ClosedRange<Double>)? {
        guard let pa = a.proportion.rate, let pb = b.proportion.rate,
            let interval = Statistics.newcombe(a.proportion, b.proportion)
        else { return nil }
        return (pa - pb, interval)
    }
}
