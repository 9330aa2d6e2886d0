import Foundation
import StrataCore

/// Everything a user simulation needs that depends only on the configuration: period edges,
/// calendar anchors at the end instant, and the profile's distributions.
struct Context: Sendable {
    static let day = Instant.day
    static let hour = Instant.hour
    static let minute = Instant.minute

    let configuration: Generator.Configuration
    let seed: UInt64
    /// Exclusive start of the period.
    let start: Int64
    /// Inclusive end of the period (the evaluation instant the planted behaviours aim at).
    let end: Int64
    /// Midnight UTC of the day holding `end`.
    let endDayStart: Int64
    /// Monday 00:00 UTC of the week holding `end`.
    let weekStart: Int64
    /// The first instant of the month holding `end`.
    let monthStart: Int64
    /// The Black Friday sale, [2025-11-20, 2025-12-02).
    let saleStart: Int64
    let saleEnd: Int64
    /// Share of accounts that are businesses (their users are B2B product users).
    let businessShare: Double
    /// Domains of consumers (users outside business accounts).
    let domainWeights: Weights
    /// Hour-of-day (local) distribution, by domain.
    let hourWeights: [Weights]
    /// Activity multiplier by local weekday (Monday first), by domain.
    let weekdayFactors: [[Double]]
    /// Pages each domain browses (the last entry is the anonymous marketing site), and their weights.
    let pageChoices: [[Int32]]
    let pageWeights: [Weights]
    /// UTC offsets of users, in milliseconds, and how common they are.
    let timeZoneOffsets: [Int64]
    let timeZoneWeights: Weights
    let industryWeights: Weights
    /// Plans of business accounts: free, trial, pro, enterprise.
    let accountPlanWeights = Weights([0.30, 0.16, 0.40, 0.14])
    /// Plans of self-serve product users already signed up before the period.
    let existingPlanWeights = Weights([0.50, 0.08, 0.36, 0.06])
    /// Plans of self-serve product users signing up during the period.
    let signupPlanWeights = Weights([0.40, 0.55, 0.05])

    /// The actions of a session, by domain (see `UserSimulation.act`).
    let actionWeights: [Weights] = [
        Weights([24, 11, 17, 8, 5, 10, 5, 3, 5, 2, 1.2, 0.6, 0.3, 0.25, 2.5, 1.5]),
        Weights([22, 40, 15]),
        Weights([35, 30, 7, 5]),
        Weights([50, 20]),
        Weights([35, 20, 5]),
        Weights([30, 20]),
    ]
    /// Banking features (card_freeze, activity_check, virtual_card, cashback, fx) for security-minded
    /// users and for the others.
    let secureFeatureWeights = Weights([3, 3, 2, 1, 1])
    let rewardFeatureWeights = Weights([0.6, 0.6, 0.4, 3, 3])

    /// Midnight UTC at the start of a date, epoch milliseconds.
    static func midnight(of date: CivilDate) -> Int64 {
        Int64(date.daysSinceEpoch) * day
    }

    init(_ configuration: Generator.Configuration) {
        self.configuration = configuration
        seed = configuration.seed
        start = configuration.start
        end = configuration.end
        let endDay = Instant.floorDivide(end, Self.day).quotient
        let endDate = CivilDate(daysSinceEpoch: Int(endDay))
        endDayStart = endDay * Self.day
        weekStart = (endDay - Int64(endDate.weekdayFromMonday)) * Self.day
        monthStart = Self.midnight(of: CivilDate(year: endDate.year, month: endDate.month, day: 1))
        saleStart = Self.midnight(of: CivilDate(year: 2025, month: 11, day: 20))
        saleEnd = Self.midnight(of: CivilDate(year: 2025, month: 12, day: 2))

        // Consumer domains: saas, shop, fintech, content, learning, fitness.
        switch configuration.profile {
        case .saas:
            businessShare = 0.72
            domainWeights = Weights([0.40, 0.14, 0.14, 0.11, 0.11, 0.10])
        case .ecommerce:
            businessShare = 0.08
            domainWeights = Weights([0.04, 0.72, 0.12, 0.04, 0.04, 0.04])
        case .media:
            businessShare = 0.08
            domainWeights = Weights([0.03, 0.04, 0.03, 0.40, 0.25, 0.25])
        }

        let office: [Double] = [
            0.2, 0.1, 0.1, 0.1, 0.1, 0.3, 0.8, 2, 4, 6, 6, 5.5, 4, 5, 5.5, 5, 4, 2.5, 1.5, 1, 0.8, 0.6, 0.4, 0.3,
        ]
        let evening: [Double] = [
            0.6, 0.3, 0.2, 0.1, 0.1, 0.2, 0.8, 1.5, 2, 2, 2, 2.5, 3, 2.5, 2, 2, 2.2, 2.8, 3.5, 4.2, 4.5, 4, 2.8, 1.5,
        ]
        let training: [Double] = [
            0.1, 0.05, 0.05, 0.1, 0.3, 1.5, 4, 5, 3, 1.5, 1.2, 1.3, 2, 1.3, 1, 1.2, 2, 4, 5, 4, 2.5, 1, 0.4, 0.2,
        ]
        hourWeights = [
            Weights(office), Weights(evening), Weights(evening), Weights(evening), Weights(evening),
            Weights(training),
        ]
        weekdayFactors = [
            [1, 1, 1, 1, 0.95, 0.35, 0.3],
            [0.9, 0.9, 0.9, 0.95, 1.05, 1.25, 1.2],
            [1, 1, 1, 1, 1, 0.8, 0.8],
            [1, 1, 1, 1, 1, 1.15, 1.2],
            [1.05, 1.05, 1, 1, 0.9, 0.9, 1.05],
            [1.1, 1, 1.05, 1, 0.9, 1.2, 1.2],
        ]

        let choices: [[(Int32, Double)]] = [
            [(9, 30), (10, 14), (11, 12), (12, 8), (13, 5), (14, 2), (15, 4), (1, 4), (3, 3), (4, 2), (5, 1), (6, 2)],
            [(0, 12), (16, 10), (17, 8), (18, 5), (19, 6), (20, 8), (21, 3), (22, 3), (23, 6), (1, 0.5)],
            [(0, 6), (24, 8), (25, 4), (26, 4), (27, 6), (28, 8), (29, 5), (1, 1.5)],
            [(30, 20), (31, 8), (32, 6), (33, 6), (34, 3), (0, 4), (1, 0.7), (24, 0.5)],
            [(35, 8), (36, 5), (37, 5), (38, 10), (24, 2), (1, 1)],
            [(39, 10), (40, 5), (41, 5), (42, 8), (1, 1)],
            [(0, 20), (1, 10), (2, 8), (3, 4), (4, 3), (5, 2), (6, 2), (7, 6), (8, 5), (24, 1.5)],
        ]
        pageChoices = choices.map { list in list.map { $0.0 } }
        pageWeights = choices.map { list in Weights(list.map { $0.1 }) }

        let zones: [(Int64, Double)] = [
            (-8 * 60, 0.12), (-7 * 60, 0.05), (-6 * 60, 0.08), (-5 * 60, 0.18), (-3 * 60, 0.04),
            (0, 0.10), (60, 0.18), (120, 0.07), (330, 0.06), (480, 0.06), (540, 0.04), (600, 0.02),
        ]
        timeZoneOffsets = zones.map { $0.0 * Self.minute }
        timeZoneWeights = Weights(zones.map { $0.1 })
        industryWeights = Weights(Vocabulary.industryWeights)
    }

    /// Is `time` inside the period (start, end]?
    @inline(__always)
    func contains(_ time: Int64) -> Bool {
        time > start && time <= end
    }
}
