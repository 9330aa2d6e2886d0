import Foundation
import StrataCore

/// Who one user is and how they behave: drawn once from the user's stream, before any event.
struct Persona {
    /// The product a user mostly uses.
    enum Domain: Int {
        case saas = 0, shop, fintech, content, learning, fitness
    }

    /// How the user's messages are keyed.
    enum Identity {
        /// userId from the first message.
        case known
        /// anonymousId first; an identify carrying both ids comes when they sign up or log in.
        case anonymousFirst
        /// anonymousId only, never identified.
        case anonymousForever
    }

    /// Behaviours planted so every catalog segment has members at the end instant.
    struct Planted: OptionSet {
        let rawValue: UInt16
        /// 50+ consecutive days of "Lesson Completed", none on the end day (streak-at-risk).
        static let streakLearner = Planted(rawValue: 1 << 0)
        /// 5+ workouts a week for 3+ weeks (fitness-champions).
        static let fitnessChampion = Planted(rawValue: 1 << 1)
        /// 2-3 workouts every week, all on weekends (weekend-warriors).
        static let weekendWarrior = Planted(rawValue: 1 << 2)
        /// Long sessions this month, a demo lately (high-intent-buyers).
        static let highIntentBuyer = Planted(rawValue: 1 << 3)
        /// A product added in the last day and never bought (cart-abandoners).
        static let cartAbandoner = Planted(rawValue: 1 << 4)
        /// Edits documents every week with teammates (active-collaborators).
        static let collaborator = Planted(rawValue: 1 << 5)
        /// Looked at pricing and integration docs lately (high-intent-accounts).
        static let evaluator = Planted(rawValue: 1 << 6)
        /// Signed up for a trial lately and used it hard (trial-activated, deep-users,
        /// activated-3-features-week1, high-engagement-week).
        static let trialPowerUser = Planted(rawValue: 1 << 7)
        /// Four or more orders in the last 90 days, the last one overdue (frequent-buyers,
        /// winback-overdue).
        static let loyalShopper = Planted(rawValue: 1 << 8)
        /// Keeps looking at shoes, has not bought for a month (browse-no-buy).
        static let windowShopper = Planted(rawValue: 1 << 9)
        /// Reads one topic and keeps hitting the paywall without subscribing (topic-followers,
        /// paywall-3x).
        static let devotedReader = Planted(rawValue: 1 << 10)
        /// A paying customer who complained about billing, mentioned competitors and went quiet
        /// lately (churn-risk and churn-winback, at-risk-users, Subscription Cancelled).
        static let unhappyCustomer = Planted(rawValue: 1 << 11)

        /// The consumer behaviours, each planted in this share of users, with their domains.
        static let consumerKinds: [(Planted, Domain)] = [
            (.streakLearner, .learning), (.fitnessChampion, .fitness), (.weekendWarrior, .fitness),
            (.highIntentBuyer, .saas), (.cartAbandoner, .shop), (.trialPowerUser, .saas),
            (.loyalShopper, .shop), (.windowShopper, .shop), (.devotedReader, .content),
            (.unhappyCustomer, .saas),
        ]
        static let consumerShare = 0.0035
    }

    var domain = Domain.saas
    var account: Account?
    var identity = Identity.known
    var planted: Planted = []
    /// Signed up before the period began (their plan predates it).
    var preexisting = false
    /// Never stops using the product within the period.
    var loyal = false
    /// Heavy-tailed activity level (log-normal, median about 0.37).
    var engagement = 1.0
    var dayProbability = 0.1
    var extraSessions = 0.0
    var actionsPerSession = 2.0
    /// Mean milliseconds between actions in a session.
    var actionGap = 60_000.0
    /// The first session.
    var arrival: Int64 = 0
    /// The instant the user stops (Int64.max when never).
    var churn = Int64.max
    /// anonymousFirst: sign up in the middle of the first session.
    var signupInFirstSession = false
    /// anonymousFirst: the earliest moment of identification.
    var identifyAfter = Int64.max
    var timeZoneOffset: Int64 = 0
    var platform: Int32 = 0
    var firstName: Int32 = 0
    var lastName: Int32 = 0
    var emailDomain: Int32 = 0
    var industry: Int32 = 0
    var employees: Int32 = 1
    var featureOffset: Int32 = 0
    var featureBreadth: Int32 = 1
    var favoriteCategory: Int32 = 0
    var buyProbability = 0.1
    var favoriteTopic: Int32 = 0
    var topicLoyalty = 0.5
    var securityMinded = false
    var depositor = false
    var course: Int32 = 0
    var favoriteWorkout: Int32 = 0
    var openRate = 0.2
    var clickRate = 0.2
    var newsletter = true
    /// -1 (unhappy) ... 1 (delighted).
    var satisfaction = 0.0
    var apiUser = false
    var premiumUser = false
    var wantsDemo = false
    var onboardingTarget: Int32 = 0
    /// Consumer subscription price, hundredths.
    var subscriptionPrice: Int64 = 999
    var anonymousHigh: UInt64 = 0
    var anonymousLow: UInt64 = 0

    init() {}

    /// Draws the persona of `user`.
    init(user: Int, context: Context, rng: inout RandomSource) {
        account = Account.of(user: user, context: context)
        if let account {
            domain = .saas
            if account.collaborative { planted.insert(.collaborator) }
            if account.evaluating && account.position < 2 { planted.insert(.evaluator) }
        } else {
            let slot = Int(rng.unit() / Planted.consumerShare)
            if slot < Planted.consumerKinds.count {
                (planted, domain) = Planted.consumerKinds[slot]
            } else {
                domain = Domain(rawValue: context.domainWeights.pick(&rng)) ?? .shop
            }
        }
        let anchored = !planted.isEmpty

        engagement = exp(-3.0 + 1.5 * rng.normal())
        if planted.contains(.trialPowerUser) { engagement = 5 + 3 * rng.unit() }
        let baseDay: [Double] = [0.16, 0.07, 0.10, 0.15, 0.15, 0.17]
        let baseGap: [Double] = [200_000, 60_000, 50_000, 140_000, 300_000, 900_000]
        dayProbability = min(0.95, baseDay[domain.rawValue] * engagement)
        extraSessions = min(2.5, 0.2 * engagement)
        actionsPerSession = min(18, 0.8 + 1.3 * engagement)
        actionGap = baseGap[domain.rawValue]

        timeZoneOffset = context.timeZoneOffsets[context.timeZoneWeights.pick(&rng)]
        let day = Context.day
        let span = context.end - context.start
        let lead: Int64 = 5000
        if planted.contains(.trialPowerUser) {
            preexisting = false
        } else if anchored {
            preexisting = true
        } else if let account {
            preexisting = account.plan != 1 && rng.chance(0.7)
        } else {
            preexisting = rng.chance(0.42)
        }
        if planted.contains(.trialPowerUser) {
            arrival = max(context.start + lead, context.end - 12 * day + rng.below(4 * day))
        } else if anchored {
            arrival = context.start + lead + rng.below(min(span / 4, 2 * day))
        } else {
            // Rejection sampling keeps first visits on the domain's weekly rhythm.
            let factors = context.weekdayFactors[domain.rawValue]
            let highest = factors.max() ?? 1
            for _ in 0..<8 {
                if preexisting {
                    let wait = rng.exponential(mean: Double(day) / max(dayProbability, 0.02))
                    arrival = context.start + lead + (wait < Double(span) ? Int64(wait) : span)
                    if arrival > context.end { arrival = context.start + lead + rng.below(span - lead) }
                } else {
                    arrival = context.start + lead + rng.below(span - lead)
                }
                let localDay = Instant.floorDivide(arrival + timeZoneOffset, Context.day).quotient
                let weekday = CivilDate.weekdayFromMonday(daysSinceEpoch: Int(localDay))
                if rng.unit() * highest < factors[weekday] { break }
            }
            arrival = Self.atRhythmicHour(arrival, domain: domain, offset: timeZoneOffset, context: context, rng: &rng)
        }
        loyal = anchored || rng.chance(0.2 + 0.3 * min(1, engagement))
        if planted.contains(.unhappyCustomer) {
            // Active from the start, gone quiet 11-24 days before the end.
            loyal = false
            engagement = max(engagement, 1.5)
            dayProbability = min(0.95, baseDay[domain.rawValue] * engagement)
            churn = max(arrival + Context.hour, context.end - 11 * day - rng.below(14 * day))
        } else if !loyal {
            let life = rng.exponential(mean: Double(day) * (6 + 18 * min(engagement, 3)))
            churn = arrival + Context.hour + Int64(min(life, 3650 * Double(day)))
        }

        if anchored {
            identity = .known
        } else {
            let roll = rng.unit()
            if roll < 0.22 {
                identity = .anonymousFirst
            } else if roll < 0.30 {
                identity = account == nil ? .anonymousForever : .anonymousFirst
            } else {
                identity = .known
            }
        }
        switch identity {
        case .known:
            identifyAfter = arrival
        case .anonymousFirst:
            // Business users always sign up in their first visit, so accounts keep their size.
            signupInFirstSession = account != nil || rng.chance(0.5)
            if signupInFirstSession {
                identifyAfter = arrival + 30_000 + rng.below(Int64(270_000))
            } else {
                identifyAfter = arrival + Context.hour + Int64(rng.exponential(mean: 2 * Double(day)))
            }
        case .anonymousForever:
            identifyAfter = .max
        }

        let platformRoll = rng.unit()
        let webShare = domain == .saas ? 0.85 : 0.45
        platform = platformRoll < webShare ? 0 : (platformRoll < webShare + (1 - webShare) * 0.6 ? 1 : 2)
        firstName = Int32(rng.below(Vocabulary.firstNames.count))
        lastName = Int32(rng.below(Vocabulary.lastNames.count))
        emailDomain = Int32(rng.below(Vocabulary.emailDomains.count))
        if let account {
            industry = account.industry
            employees = account.employees
        } else {
            industry = Int32(context.industryWeights.pick(&rng))
            employees = Int32(min(100_000, max(1, exp(4.0 + 1.5 * rng.normal()).rounded())))
        }
        featureBreadth = Int32(min(12, 1 + Int(engagement * 2.5) + rng.below(3)))
        featureOffset = Int32(rng.below(Vocabulary.productFeatureCount))
        favoriteCategory = rng.chance(0.3) ? 0 : Int32(rng.below(Vocabulary.categories.count))
        buyProbability = rng.chance(0.55) ? 0.12 + 0.45 * rng.unit() : 0.02
        favoriteTopic = Int32(rng.below(Vocabulary.topics.count))
        topicLoyalty = planted.contains(.devotedReader) ? 0.9 : 0.2 + 0.75 * rng.unit()
        securityMinded = rng.chance(0.4)
        depositor = rng.chance(0.5)
        course = Int32(rng.below(Vocabulary.courses.count))
        favoriteWorkout = Int32(rng.below(Vocabulary.workouts.count))
        openRate = 0.02 + 0.3 * rng.unit()
        clickRate = 0.1 + 0.35 * rng.unit()
        newsletter = rng.chance(0.7)
        satisfaction = max(-1, min(1, 0.3 + 0.45 * rng.normal() - (loyal ? 0 : 0.35)))
        apiUser = rng.chance(0.22)
        premiumUser = rng.chance(0.45)
        wantsDemo = rng.chance(0.3)
        let stepRoll = rng.unit()
        onboardingTarget = stepRoll < 0.2 ? 8 : Int32(rng.below(6))
        subscriptionPrice = rng.chance(0.6) ? 999 : 1499
        anonymousHigh = rng.next()
        anonymousLow = rng.next()
    }

    /// Moves a first visit to an hour of the same local day that follows the domain's daily rhythm,
    /// keeping it inside the period.
    private static func atRhythmicHour(
        _ time: Int64, domain: Domain, offset: Int64, context: Context, rng: inout RandomSource
    ) -> Int64 {
        let day = Instant.floorDivide(time + offset, Context.day).quotient
        let hour = Int64(context.hourWeights[domain.rawValue].pick(&rng))
        let moved = day * Context.day - offset + hour * Context.hour + rng.below(Context.hour)
        return moved > context.start + 5000 && moved <= context.end ? moved : time
    }
}
