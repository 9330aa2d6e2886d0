import StrataCore

/// Simulates one user at a time: persona, sessions, lifecycle, emails and planted behaviours become
/// a sorted list of drafts, which `write(into:)` turns into JSONL.
///
/// One value is reused for every user of a chunk so its arrays keep their capacity.
struct UserSimulation {
    let context: Context
    var user = 0
    var rng = RandomSource(seed: 0)
    var persona = Persona()
    var drafts: [Draft] = []
    /// Session start instants, ascending.
    var sessions: [Int64] = []
    var dayStarts: [Int64] = []
    /// Plan changes: from planTimes[i] on, the plan is planCodes[i] (planTimes[0] is Int64.min).
    var planTimes: [Int64] = []
    var planCodes: [UInt8] = []
    var sequence: Int32 = 0
    /// The identify that links ids (Int64.max when the user stays anonymous).
    var identifiedAt = Int64.max
    /// min(churn, end): no session starts after it.
    var activeEnd: Int64 = 0
    var newSignup = false
    var documents: Int32 = 0
    var orders: Int32 = 0
    var onboardingDone: Int32 = 0
    var lessonsDone: Int32 = 0
    var currentCourse: Int32 = 0
    var apiConnected = false
    var demoAttended = false
    var deposited = false
    var lastSessionDay = Int64.min
    /// cart-abandoners: the planted "Product Added" instant (no order may follow within 2h).
    var abandonedCartAt = Int64.min
    var messagePrefix: [UInt8] = []
    var userField: [UInt8] = []
    var anonymousField: [UInt8] = []
    var anonymousValue: [UInt8] = []

    init(context: Context) {
        self.context = context
    }

    /// Replaces the current timeline with the one of `user`.
    mutating func simulate(user: Int) {
        self.user = user
        rng = RandomSource(seed: context.seed, stream: 1, index: UInt64(user))
        persona = Persona(user: user, context: context, rng: &rng)
        drafts.removeAll(keepingCapacity: true)
        sessions.removeAll(keepingCapacity: true)
        planTimes.removeAll(keepingCapacity: true)
        planCodes.removeAll(keepingCapacity: true)
        sequence = 0
        documents = 0
        orders = 0
        onboardingDone = 0
        lessonsDone = 0
        currentCourse = persona.course
        apiConnected = false
        demoAttended = false
        deposited = false
        lastSessionDay = .min
        abandonedCartAt = .min
        activeEnd = min(persona.churn, context.end)
        newSignup = !persona.preexisting || persona.identity == .anonymousFirst

        scheduleSessions()
        identify()
        let milestones = planTimeline()
        for index in sessions.indices { fillSession(index) }
        addLifecycle(milestones)
        addEmails()
        addPlanted()
        finish()
    }

    /// Appends a draft.
    @inline(__always)
    mutating func add(
        _ kind: Draft.Kind, at time: Int64, a: Int32 = 0, b: Int32 = 0, c: Int32 = 0, amount: Int64 = 0,
        planted: Bool = false
    ) {
        drafts.append(
            Draft(time: time, sequence: sequence, kind: kind, planted: planted, a: a, b: b, c: c, amount: amount))
        sequence &+= 1
    }

    /// The plan code in force at `time` (0 free, 1 trial, 2 pro, 3 enterprise).
    func plan(at time: Int64) -> UInt8 {
        var code: UInt8 = 0
        for index in planTimes.indices where planTimes[index] <= time { code = planCodes[index] }
        return code
    }

    /// Monthly recurring revenue of a plan for this user, in hundredths.
    func mrr(plan code: UInt8) -> Int64 {
        guard code >= 2 else { return 0 }
        if persona.domain != .saas { return persona.subscriptionPrice }
        if let account {
            let seats = Int64(account.size)
            return code == 2 ? (49 + 19 * seats) * 100 : (1500 + 40 * seats + Int64(account.employees) / 2) * 100
        }
        return code == 2 ? 2900 : 49_900
    }

    var account: Account? { persona.account }

    /// The day, in the user's own time zone, holding `time`.
    @inline(__always)
    func localDay(_ time: Int64) -> Int64 {
        Instant.floorDivide(time + persona.timeZoneOffset, Context.day).quotient
    }

    /// Session starts: the arrival, then active days drawn from the weekly rhythm until the user stops.
    private mutating func scheduleSessions() {
        let arrival = persona.arrival
        sessions.append(arrival)
        var last = arrival
        let firstDay = localDay(arrival)
        let lastDay = localDay(activeEnd)
        guard lastDay > firstDay else { return }
        let factors = context.weekdayFactors[persona.domain.rawValue]
        let hours = context.hourWeights[persona.domain.rawValue]
        let shopper = persona.domain == .shop
        for day in (firstDay + 1)...lastDay {
            let dayStart = day * Context.day - persona.timeZoneOffset
            var probability = persona.dayProbability * factors[CivilDate.weekdayFromMonday(daysSinceEpoch: Int(day))]
            if shopper && dayStart >= context.saleStart && dayStart < context.saleEnd { probability *= 2.2 }
            guard rng.unit() < probability else { continue }
            let count = 1 + min(4, rng.poisson(mean: persona.extraSessions))
            dayStarts.removeAll(keepingCapacity: true)
            for _ in 0..<count {
                dayStarts.append(dayStart + Int64(hours.pick(&rng)) * Context.hour + rng.below(Context.hour))
            }
            if count > 1 { dayStarts.sort() }
            for start in dayStarts where start > last + 40 * Context.minute && start <= activeEnd {
                sessions.append(start)
                last = start
            }
        }
    }

    /// Decides when the ids get linked and drafts the identify (with an alias now and then, and the
    /// group call of business users).
    private mutating func identify() {
        identifiedAt = .max
        switch persona.identity {
        case .known:
            identifiedAt = persona.arrival - 2000
        case .anonymousFirst:
            if persona.signupInFirstSession {
                if persona.identifyAfter <= activeEnd { identifiedAt = persona.identifyAfter }
            } else if let start = sessions.first(where: { $0 >= persona.identifyAfter }) {
                identifiedAt = start - 2000
            }
        case .anonymousForever:
            break
        }
    }

    /// Drafts the identify linking the ids, and the alias and group calls around it.
    mutating func addIdentification(plan code: UInt8) {
        add(.identify, at: identifiedAt, a: Int32(code))
        if persona.identity == .anonymousFirst && rng.chance(0.15) {
            add(.alias, at: identifiedAt + 1)
        }
        if account != nil {
            add(.group, at: identifiedAt + 2, a: Int32(code))
        }
    }

    /// Drops what falls outside the period or would break a planted behaviour, then sorts by time.
    private mutating func finish() {
        let start = context.start
        let end = context.end
        let lessonCutoff = persona.planted.contains(.streakLearner) ? context.endDayStart : Int64.max
        let workoutCutoff =
            persona.planted.contains(.weekendWarrior)
            ? min(context.weekStart - 21 * Context.day, end - 28 * Context.day) : Int64.max
        var cart = abandonedCartAt
        var cartLimit = cart == .min ? Int64.min : cart + 2 * Context.hour
        if persona.planted.contains(.windowShopper) {
            cart = end - 30 * Context.day
            cartLimit = end
        }
        drafts.removeAll { draft in
            if draft.time <= start || draft.time > end { return true }
            if draft.planted { return false }
            switch draft.kind {
            case .lessonCompleted: return draft.time >= lessonCutoff
            case .workoutCompleted: return draft.time >= workoutCutoff
            case .orderCompleted: return draft.time > cart && draft.time <= cartLimit
            default: return false
            }
        }
        drafts.sort { left, right in
            left.time != right.time ? left.time < right.time : left.sequence < right.sequence
        }
    }
}
