import StrataCore

extension UserSimulation {
    /// Instants of lifecycle changes decided by `planTimeline`, drafted by `addLifecycle`.
    struct Milestones {
        var trialStarted = Int64.max
        var extensionRequested = Int64.max
        var trialOutcome = Int64.max
        var upgraded = Int64.max
        var subscribed = Int64.max
        var cancelled = Int64.max
    }

    /// Decides the plan over time: trials that convert or lapse, upgrades, consumer subscriptions and
    /// cancellations when a paying user stops.
    mutating func planTimeline() -> Milestones {
        var milestones = Milestones()
        guard identifiedAt != .max else { return milestones }
        let signup = identifiedAt
        let day = Context.day
        if persona.domain == .saas {
            let initial: UInt8
            if let account {
                initial = account.plan
            } else if persona.planted.contains(.trialPowerUser) {
                initial = 1
            } else if persona.planted.contains(.unhappyCustomer) {
                initial = 2
            } else {
                initial = UInt8(
                    newSignup ? context.signupPlanWeights.pick(&rng) : context.existingPlanWeights.pick(&rng))
            }
            setPlan(.min, initial)
            var trialEnd = Int64.min
            if initial == 1 {
                let trialStart = newSignup ? signup : context.start - rng.below(12 * day)
                if newSignup { milestones.trialStarted = signup + 3 }
                trialEnd = trialStart + 14 * day
                if rng.chance(persona.planted.contains(.highIntentBuyer) ? 0.5 : 0.15) {
                    let request = trialStart + 10 * day + rng.below(2 * day)
                    if request > signup && request <= activeEnd {
                        milestones.extensionRequested = request
                        trialEnd += 14 * day
                    }
                }
                if trialEnd <= activeEnd {
                    let converts = account?.converts ?? rng.chance(0.25 + 0.15 * min(persona.engagement, 2))
                    setPlan(trialEnd, converts ? 2 : 0)
                    milestones.trialOutcome = trialEnd
                }
            }
            let current = planCodes[planCodes.count - 1]
            let from = max(signup, trialEnd) + day
            if from < activeEnd && ((current == 0 && rng.chance(0.07)) || (current == 2 && rng.chance(0.04))) {
                let time = from + rng.below(activeEnd - from)
                setPlan(time, current == 0 ? 2 : 3)
                milestones.upgraded = time
            }
        } else {
            let rates: [Double] = [0, 0.05, 0.15, 0.3, 0.35, 0.3]
            let rate = rates[persona.domain.rawValue]
            let reader = persona.planted.contains(.devotedReader)
            let initial: UInt8 = !reader && rng.chance(newSignup ? rate / 2 : rate) ? 2 : 0
            setPlan(.min, initial)
            let from = signup + Context.hour
            if !reader && initial == 0 && from < activeEnd && rng.chance(0.12) {
                let time = from + rng.below(activeEnd - from)
                setPlan(time, 2)
                milestones.subscribed = time
            }
        }
        let churn = persona.churn
        let payer = account.map { $0.position == 0 } ?? true
        if payer && churn <= context.end && plan(at: churn) >= 2 && churn > planTimes[planTimes.count - 1]
            && rng.chance(persona.domain == .saas ? 0.7 : 0.5)
        {
            setPlan(churn, 0)
            milestones.cancelled = churn
        }
        return milestones
    }

    /// Drafts the identification, the lifecycle events with the identifies that carry the new
    /// traits, and monthly payments.
    mutating func addLifecycle(_ milestones: Milestones) {
        guard identifiedAt != .max else { return }
        addIdentification(plan: plan(at: identifiedAt))
        if milestones.trialStarted != .max {
            add(.trialStarted, at: milestones.trialStarted, a: 14)
        }
        if milestones.extensionRequested != .max {
            add(.trialExtensionRequested, at: milestones.extensionRequested, a: 14)
        }
        if milestones.trialOutcome != .max {
            let time = milestones.trialOutcome
            let code = plan(at: time)
            if code >= 2 {
                add(.planUpgraded, at: time, a: 1, b: Int32(code), amount: mrr(plan: code))
            } else {
                add(.trialEnded, at: time)
            }
            traitsChanged(at: time + 1, plan: code)
        }
        if milestones.upgraded != .max {
            let time = milestones.upgraded
            let code = plan(at: time)
            add(.planUpgraded, at: time, a: Int32(plan(at: time - 1)), b: Int32(code), amount: mrr(plan: code))
            traitsChanged(at: time + 1, plan: code)
        }
        if milestones.subscribed != .max {
            let time = milestones.subscribed
            add(.subscriptionStarted, at: time, a: 2, amount: mrr(plan: 2))
            traitsChanged(at: time + 1, plan: 2)
        }
        if milestones.cancelled != .max {
            let time = milestones.cancelled
            let previous = plan(at: time - 1)
            let reason = Int32(rng.below(Vocabulary.cancelReasons.count))
            if reason == 2 {  // switched_competitor: they told support first
                add(.competitorMentioned, at: time - Context.day, a: Int32(rng.below(Vocabulary.competitors.count)))
            }
            add(.subscriptionCancelled, at: time, a: Int32(previous), b: reason)
            traitsChanged(at: time + 1, plan: 0)
        }
        addPayments()
    }

    /// From `time` on, the plan is `code`.
    private mutating func setPlan(_ time: Int64, _ code: UInt8) {
        planTimes.append(time)
        planCodes.append(code)
    }

    /// An identify with the new plan (and the group call for business users).
    private mutating func traitsChanged(at time: Int64, plan code: UInt8) {
        add(.identify, at: time, a: Int32(code))
        if account != nil { add(.group, at: time + 1, a: Int32(code)) }
    }

    /// "Payment Succeeded" every 30 days while the plan is paid and the payer is still around.
    private mutating func addPayments() {
        // An account pays once, through its first member.
        if let account, account.position != 0 { return }
        guard let firstPaid = planCodes.firstIndex(where: { $0 >= 2 }) else { return }
        var time: Int64
        if firstPaid == 0 {
            time = newSignup ? identifiedAt + 60_000 : context.start + Context.hour + rng.below(30 * Context.day)
        } else {
            time = planTimes[firstPaid] + 60_000
        }
        while time <= activeEnd {
            let code = plan(at: time)
            if code >= 2 { add(.paymentSucceeded, at: time, a: Int32(code), amount: mrr(plan: code)) }
            time += 30 * Context.day
        }
    }

    /// Email campaigns to identified users while they are around (and a few days after): a weekly
    /// product email to product users, a weekly newsletter, onboarding after sign-up, sales to
    /// shoppers. Some are opened, fewer clicked.
    mutating func addEmails() {
        guard identifiedAt != .max else { return }
        let day = Context.day
        let until = persona.churn == .max ? context.end : min(context.end, persona.churn + 3 * day)
        let firstDay = Instant.floorDivide(identifiedAt, day).quotient + 1
        let lastDay = Instant.floorDivide(until, day).quotient
        guard lastDay >= firstDay else { return }
        func next(weekday: Int, from first: Int64) -> Int64 {
            first + Int64((weekday - CivilDate.weekdayFromMonday(daysSinceEpoch: Int(first)) + 7) % 7)
        }
        if persona.domain == .saas {
            var send = next(weekday: 1, from: firstDay)
            while send <= lastDay {
                email(Vocabulary.Campaign.analytics, at: send * day + 15 * Context.hour, until: until)
                send += 7
            }
        }
        if persona.newsletter {
            var send = next(weekday: 3, from: firstDay)
            while send <= lastDay {
                email(Vocabulary.Campaign.newsletter, at: send * day + 16 * Context.hour, until: until)
                send += 7
            }
        }
        if newSignup {
            email(Vocabulary.Campaign.onboarding, at: identifiedAt + day, until: until)
            email(Vocabulary.Campaign.onboarding, at: identifiedAt + 3 * day, until: until)
        }
        if persona.domain == .shop {
            var send = next(weekday: 4, from: firstDay)
            while send <= lastDay {
                let time = send * day + 10 * Context.hour
                if (send / 7) % 2 == 0 || (time >= context.saleStart && time < context.saleEnd) {
                    email(Vocabulary.Campaign.sale, at: time, until: until)
                }
                send += 7
            }
        }
    }

    private mutating func email(_ campaign: Int32, at send: Int64, until: Int64) {
        guard send <= until, rng.chance(persona.openRate) else { return }
        let opened = send + 60_000 + Int64(rng.exponential(mean: 5 * Double(Context.hour)))
        guard opened <= until else { return }
        add(.emailOpened, at: opened, a: campaign)
        if rng.chance(persona.clickRate) {
            let links = Vocabulary.campaignLinks[Int(campaign)]
            add(
                .emailLinkClicked, at: opened + 20_000 + rng.below(Int64(600_000)), a: campaign,
                b: links[rng.below(links.count)])
        }
    }
}
