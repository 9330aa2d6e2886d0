extension UserSimulation {
    /// Drafts the planted behaviours of the persona, aimed at the end instant, so every catalog
    /// segment has members whatever the profile (see `Persona.Planted`).
    mutating func addPlanted() {
        let planted = persona.planted
        guard !planted.isEmpty else { return }
        if planted.contains(.streakLearner) { plantStreak() }
        if planted.contains(.fitnessChampion) { plantChampion() }
        if planted.contains(.weekendWarrior) { plantWeekends() }
        if planted.contains(.highIntentBuyer) { plantHighIntent() }
        if planted.contains(.cartAbandoner) { plantAbandonedCart() }
        if planted.contains(.collaborator) { plantCollaboration() }
        if planted.contains(.evaluator) { plantEvaluation() }
        if planted.contains(.trialPowerUser) { plantTrialUsage() }
        if planted.contains(.loyalShopper) { plantOrders() }
        if planted.contains(.windowShopper) { plantBrowsing() }
        if planted.contains(.devotedReader) { plantReading() }
        if planted.contains(.unhappyCustomer) { plantComplaints() }
    }

    /// In the month before going quiet: billing tickets, competitor mentions and poor ratings.
    private mutating func plantComplaints() {
        let day = Context.day
        let quiet = min(persona.churn, context.end)
        let from = max(context.start + 1, quiet - 30 * day)
        for _ in 0..<(1 + rng.below(2)) {
            if let time = instant(from: from, to: quiet) {
                add(.billingTicket, at: time, a: Int32(rng.below(Vocabulary.billingTopics.count)), planted: true)
            }
        }
        if let time = instant(from: from, to: quiet) {
            add(.competitorMentioned, at: time, a: Int32(rng.below(Vocabulary.competitors.count)), planted: true)
        }
        for _ in 0..<(1 + rng.below(2)) {
            if let time = instant(from: from, to: quiet) {
                add(
                    .ticketRated, at: time, a: 1 + Int32(rng.below(2)), amount: -40 - rng.below(Int64(61)),
                    planted: true)
            }
        }
    }

    /// A uniform instant in [low, high), or nil when the span is empty.
    private mutating func instant(from low: Int64, to high: Int64) -> Int64? {
        guard high > low else { return nil }
        return low + rng.below(high - low)
    }

    /// 50-79 consecutive UTC days of "Lesson Completed" up to yesterday, none today (`finish`
    /// removes today's unplanted lessons).
    private mutating func plantStreak() {
        let day = Context.day
        let endDay = context.endDayStart / day
        let length = Int64(50 + rng.below(30))
        for number in (endDay - length)..<endDay {
            let low = max(number * day, context.start + 1)
            if let time = instant(from: low, to: (number + 1) * day - 2000) {
                completeLesson(at: time, planted: true)
            }
        }
    }

    /// 5-7 workouts on distinct days in each of the 3-5 weeks before the current one.
    private mutating func plantChampion() {
        let day = Context.day
        let weeks = 3 + rng.below(3)
        for week in 1...weeks {
            let monday = context.weekStart - Int64(week) * 7 * day
            let count = 5 + rng.below(3)
            var mask = 0
            var chosen = 0
            while chosen < count {
                let weekday = rng.below(7)
                if mask & (1 << weekday) == 0 {
                    mask |= 1 << weekday
                    chosen += 1
                }
            }
            for weekday in 0..<7 where mask & (1 << weekday) != 0 {
                workout(
                    at: monday + Int64(weekday) * day + 6 * Context.hour + rng.below(14 * Context.hour), planted: true)
            }
        }
    }

    /// 2-3 workouts every weekend of the last five weeks (the part of each weekend inside the period),
    /// and no weekday workouts lately (`finish` removes the unplanted ones).
    private mutating func plantWeekends() {
        let day = Context.day
        for week in 0...4 {
            let saturday = context.weekStart - Int64(week) * 7 * day + 5 * day
            let low = max(saturday + 7 * Context.hour, context.start + 1)
            let high = min(saturday + day + 20 * Context.hour, context.end + 1)
            guard high > low else { continue }
            let count = 2 + rng.below(2)
            for _ in 0..<count {
                if let time = instant(from: low, to: high) {
                    workout(at: time, planted: true)
                }
            }
        }
    }

    /// A core feature used, a demo attended and the pricing page viewed three times lately, and
    /// sessions ending this month worth 16+ hours.
    private mutating func plantHighIntent() {
        let day = Context.day
        let end = context.end
        for _ in 0..<3 {
            add(.page, at: end - Context.hour - rng.below(6 * day), a: Vocabulary.PageIndex.pricing, planted: true)
        }
        add(.coreFeatureUsed, at: end - Context.hour - rng.below(20 * day), a: 0, planted: true)
        add(.demoAttended, at: end - Context.hour - rng.below(25 * day), a: 0, planted: true)
        if rng.chance(0.5) {
            add(.trialExtensionRequested, at: end - Context.hour - rng.below(20 * day), a: 14, planted: true)
        }
        let available = end - context.monthStart
        let sessions = available >= 4 * day ? 4 : 1
        for _ in 0..<sessions {
            let hundredths = sessions == 4 ? 400 + rng.below(Int64(100)) : 1550 + rng.below(Int64(450))
            let ended = context.monthStart + rng.below(available + 1)
            add(.sessionStarted, at: ended - hundredths * 36_000, a: 0, planted: true)
            add(.sessionEnded, at: ended, amount: hundredths, planted: true)
        }
    }

    /// Within the first week of the trial: documents, an invitation, the onboarding steps not yet
    /// done, nine distinct features and two long sessions; workflows completed in the last week.
    private mutating func plantTrialUsage() {
        let day = Context.day
        let signup = identifiedAt == .max ? persona.arrival : identifiedAt
        let firstWeekEnd = min(signup + 7 * day, context.end)
        for _ in 0..<(5 + rng.below(3)) {
            if let time = instant(from: signup + 10 * Context.minute, to: firstWeekEnd) {
                documents += 1
                add(.documentCreated, at: time, a: documents, b: 0, planted: true)
            }
        }
        if let time = instant(from: signup + Context.hour, to: min(signup + day, context.end)) {
            add(.teammateInvited, at: time, a: 0, planted: true)
        }
        if let time = instant(from: signup + Context.hour, to: min(signup + 3 * day, context.end)) {
            add(.apiConnected, at: time, a: Int32(rng.below(Vocabulary.integrations.count)), planted: true)
            add(.ticketRated, at: time + Context.hour, a: 5, amount: 60 + rng.below(Int64(41)), planted: true)
            add(.upgradeViewed, at: time + 2 * Context.hour, a: 0, planted: true)
        }
        for step in Int32(1)...8 where step > onboardingDone {
            add(
                .onboardingStepCompleted, at: signup + 2 * Context.hour + Int64(step) * 5 * Context.minute, a: step,
                planted: true)
        }
        let offset = rng.below(Vocabulary.productFeatureCount)
        for index in 0..<9 {
            if let time = instant(from: signup + 10 * Context.minute, to: min(signup + 6 * day, context.end)) {
                add(.featureUsed, at: time, a: Int32((offset + index) % Vocabulary.productFeatureCount), planted: true)
            }
        }
        for _ in 0..<2 {
            let hundredths = 250 + rng.below(Int64(100))
            if let ended = instant(from: signup + 4 * Context.hour, to: context.end) {
                add(.sessionStarted, at: ended - hundredths * 36_000, a: 0, planted: true)
                add(.sessionEnded, at: ended, amount: hundredths, planted: true)
            }
        }
        for _ in 0..<(3 + rng.below(2)) {
            if let time = instant(from: max(signup, context.end - 6 * day), to: context.end) {
                add(.workflowCompleted, at: time, a: Int32(rng.below(Vocabulary.workflows.count)), planted: true)
            }
        }
    }

    /// 4-5 orders 8-14 days apart, the last one 20-26 days ago, each after a view and an add.
    private mutating func plantOrders() {
        let day = Context.day
        let gap = Int64(8 + rng.below(7)) * day
        var time = context.end - 20 * day - rng.below(6 * day)
        for _ in 0..<(4 + rng.below(2)) {
            let category = rng.chance(0.5) ? persona.favoriteCategory : Int32(rng.below(Vocabulary.categories.count))
            let product = category * 1000 + Int32(rng.below(400))
            let price = Vocabulary.categoryPrices[Int(category)] + 500
            add(.productViewed, at: time - 9 * Context.minute, a: product, b: category, amount: price, planted: true)
            add(
                .productAdded, at: time - 6 * Context.minute, a: product, b: category, c: 1, amount: price,
                planted: true)
            orders += 1
            add(.orderCompleted, at: time, a: orders, b: 1, amount: price, planted: true)
            time -= gap
        }
    }

    /// Shoes viewed 3-5 times in the last six days; `finish` removes any order of the last 30 days.
    private mutating func plantBrowsing() {
        for _ in 0..<(3 + rng.below(3)) {
            let product = Int32(rng.below(400))
            let time = context.end - Context.hour - rng.below(6 * Context.day)
            add(.productViewed, at: time, a: product, b: 0, amount: Vocabulary.categoryPrices[0] + 1000, planted: true)
        }
    }

    /// 12-18 articles over the last 80 days, mostly on the favourite topic, and 3-4 paywall hits
    /// in the last 25 days (the reader never subscribes).
    private mutating func plantReading() {
        let day = Context.day
        for index in 0..<(12 + rng.below(7)) {
            let topic = index % 5 == 4 ? Int32(rng.below(Vocabulary.topics.count)) : persona.favoriteTopic
            let time = context.end - Context.hour - rng.below(80 * day)
            add(
                .articleRead, at: time, a: topic * 10_000 + Int32(rng.below(5000)), b: topic,
                c: Int32(60 + rng.below(300)), planted: true)
        }
        for _ in 0..<(3 + rng.below(2)) {
            let time = context.end - Context.hour - rng.below(25 * day)
            add(
                .paywallHit, at: time, a: persona.favoriteTopic * 10_000 + Int32(rng.below(5000)),
                b: persona.favoriteTopic, planted: true)
        }
    }

    /// Shoes viewed and added to the cart 2-23 hours before the end, never bought.
    private mutating func plantAbandonedCart() {
        let added = context.end - 2 * Context.hour - Context.minute - rng.below(21 * Context.hour)
        guard added - 2 * Context.minute > context.start else { return }
        let product = Int32(rng.below(400))
        let price = Vocabulary.categoryPrices[0] + 1000
        add(.productViewed, at: added - 2 * Context.minute, a: product, b: 0, amount: price, planted: true)
        add(.productAdded, at: added, a: product, b: 0, c: 1, amount: price, planted: true)
        abandonedCartAt = added
    }

    /// Document edits on weekdays of each of the three weeks before the current one.
    private mutating func plantCollaboration() {
        let day = Context.day
        for week in 1...3 {
            let monday = context.weekStart - Int64(week) * 7 * day
            for _ in 0..<(1 + rng.below(3)) {
                let time = monday + Int64(rng.below(5)) * day + 8 * Context.hour + rng.below(9 * Context.hour)
                editDocument(at: time, planted: true)
            }
        }
    }

    /// Pricing views in the last 12 days; the first member also reads the Slack integration docs.
    private mutating func plantEvaluation() {
        let day = Context.day
        let end = context.end
        add(.page, at: end - Context.hour - rng.below(12 * day), a: Vocabulary.PageIndex.pricing, planted: true)
        if persona.account?.position == 0 {
            add(.page, at: end - Context.hour - rng.below(12 * day), a: Vocabulary.PageIndex.pricing, planted: true)
            add(.page, at: end - Context.hour - rng.below(12 * day), a: Vocabulary.PageIndex.slackDocs, planted: true)
        }
    }
}
