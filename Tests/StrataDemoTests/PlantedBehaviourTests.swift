import Foundation
import StrataCore
import StrataDemo
import Testing

/// The planted behaviours that make time-anchored catalog segments non-empty at the end instant,
/// checked against the segment definitions by hand.
@Suite("Planted behaviours")
struct PlantedBehaviourTests {
    static let day: Int64 = 86_400_000
    /// 2026-07-01T00:00:00Z, a Wednesday: the current week began on Monday 2026-06-29.
    static let end: Int64 = 1_782_864_000_000
    static let monday: Int64 = end - 2 * day

    /// Event times by user for one event name.
    static func times(_ data: Dataset, _ name: String) -> [Int: [Int64]] {
        var result: [Int: [Int64]] = [:]
        for event in data.events where event.name == name {
            if let user = Dataset.user(of: event.message), let time = Dataset.time(of: event.message) {
                result[user, default: []].append(time)
            }
        }
        return result
    }

    @Test("streak-at-risk: lessons on each of the 50+ days before the end day, none on it")
    func streakAtRisk() throws {
        let data = try Dataset(.media, users: 3000)
        let lessons = Self.times(data, "Lesson Completed")
        let members = lessons.filter { _, times in
            let days = Set(times.map { $0 / Self.day })
            let endDay = Self.end / Self.day
            return !days.contains(endDay) && ((endDay - 50)..<endDay).allSatisfy { days.contains($0) }
        }
        #expect(members.count >= 3)
    }

    @Test("fitness-champions: five or more workouts in each of the three weeks before this one")
    func fitnessChampions() throws {
        let data = try Dataset(.media, users: 3000)
        let members = Self.times(data, "Workout Completed").filter { _, times in
            (1...3).allSatisfy { week in
                let start = Self.monday - Int64(week) * 7 * Self.day
                return times.filter { $0 >= start && $0 < start + 7 * Self.day }.count >= 5
            }
        }
        #expect(members.count >= 3)
    }

    @Test("cart-abandoners: a product added 2-24 hours before the end with no order within 2 hours")
    func cartAbandoners() throws {
        let data = try Dataset(.ecommerce, users: 3000)
        let orders = Self.times(data, "Order Completed")
        let members = Self.times(data, "Product Added").filter { user, adds in
            adds.contains { added in
                added > Self.end - Self.day && added + 2 * 3_600_000 <= Self.end
                    && !(orders[user] ?? []).contains { $0 > added && $0 <= added + 2 * 3_600_000 }
            }
        }
        #expect(members.count >= 5)
    }

    @Test("high-intent-buyers: 15+ session hours ending this month, at midnight of July 1 included")
    func highIntentBuyers() throws {
        let data = try Dataset(.saas, users: 6000)
        var hours: [Int: Double] = [:]
        for event in data.events where event.name == "Session Ended" {
            guard let user = Dataset.user(of: event.message), Dataset.time(of: event.message) == Self.end else {
                continue
            }
            hours[user, default: 0] += Dataset.number(event.properties["duration_hours"]) ?? 0
        }
        #expect(hours.values.filter { $0 >= 15 }.count >= 3)
    }

    @Test("weekend-warriors: with a Sunday-evening end, 2-3 weekend-only workouts in each of the last four weeks")
    func weekendWarriors() throws {
        let end = try #require(Instant.parse("2026-06-28T20:00:00Z"))
        let monday = end - 6 * Self.day - 20 * 3_600_000
        let data = try Dataset(.media, users: 3000, end: end)
        let members = Self.times(data, "Workout Completed").filter { _, times in
            let recent = times.filter { $0 > end - 28 * Self.day }
            let weekendsOnly = recent.allSatisfy {
                CivilDate.weekdayFromMonday(daysSinceEpoch: Int($0 / Self.day)) >= 5
            }
            let weeks = (0..<4).allSatisfy { week in
                let start = monday - Int64(week) * 7 * Self.day
                return (2...3).contains(times.filter { $0 >= start && $0 < start + 7 * Self.day }.count)
            }
            return !recent.isEmpty && weekendsOnly && weeks
        }
        #expect(members.count >= 3)
    }
}
