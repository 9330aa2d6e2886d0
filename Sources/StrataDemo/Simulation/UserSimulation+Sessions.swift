extension UserSimulation {
    /// Drafts one session: "Session Started", a login for known users, a heavy-tailed number of
    /// actions from the user's domain, then "Session Ended" with its length in hours.
    mutating func fillSession(_ index: Int) {
        let start = sessions[index]
        let next = index + 1 < sessions.count ? sessions[index + 1] : Int64.max
        var time = start
        add(.sessionStarted, at: time, a: persona.platform)
        let day = localDay(start)
        let known = start >= identifiedAt
        if known && ((day != lastSessionDay && rng.chance(0.7)) || rng.chance(0.1)) {
            time += 1000 + rng.below(Int64(4000))
            let method: Int32 = account != nil && rng.chance(0.4) ? 1 : (rng.chance(0.3) ? 2 : 0)
            add(.loggedIn, at: time, a: method)
        }
        lastSessionDay = day
        if known { sessionMilestones(at: &time) }
        let actions = 1 + min(30, rng.geometric(mean: persona.actionsPerSession))
        for action in 0..<actions {
            time += 3000 + Int64(rng.exponential(mean: persona.actionGap))
            if time >= next - Context.minute { break }
            act(at: &time, first: action == 0)
        }
        time += 2000 + Int64(rng.exponential(mean: persona.actionGap / 2))
        if time >= next { time = next - 1000 }
        add(.sessionEnded, at: time, amount: max(1, (time - start) / 36_000))
    }

    /// One-off product milestones that happen inside sessions: onboarding steps, the first API
    /// connection, a demo.
    private mutating func sessionMilestones(at time: inout Int64) {
        if persona.domain == .fintech && persona.depositor && !deposited && rng.chance(0.5) {
            // Funding the account is the first thing most depositors do.
            deposited = true
            time += 60_000 + rng.below(Int64(240_000))
            add(.depositCompleted, at: time, amount: Int64(100 + 100 * rng.below(20)) * 100)
        }
        guard persona.domain == .saas else { return }
        if newSignup && onboardingDone < persona.onboardingTarget {
            let steps = onboardingDone == 0 ? 1 + rng.below(4) : 1 + rng.below(2)
            for _ in 0..<steps where onboardingDone < persona.onboardingTarget {
                onboardingDone += 1
                time += 20_000 + rng.below(Int64(120_000))
                add(.onboardingStepCompleted, at: time, a: onboardingDone)
            }
        }
        if persona.apiUser && !apiConnected && rng.chance(0.2) {
            apiConnected = true
            time += 30_000 + rng.below(Int64(300_000))
            add(.apiConnected, at: time, a: Int32(rng.below(Vocabulary.integrations.count)))
        }
        if persona.wantsDemo && !demoAttended && plan(at: time) <= 1 && rng.chance(0.25) {
            demoAttended = true
            time += 60_000
            add(.demoAttended, at: time, a: Int32(rng.below(Vocabulary.demoTypes.count)))
            time += 30 * Context.minute
        }
    }

    /// One action of the user's domain at `time` (which may advance for multi-step flows).
    private mutating func act(at time: inout Int64, first: Bool) {
        let known = time >= identifiedAt
        switch persona.domain {
        case .saas:
            if known { productAction(at: &time, first: first) } else { page(at: time, site: 6, first: first) }
        case .shop:
            shopAction(at: &time, first: first)
        case .fintech:
            if known { bankAction(at: time, first: first) } else { page(at: time, site: 2, first: first) }
        case .content:
            contentAction(at: time, first: first)
        case .learning:
            if known { learningAction(at: time, first: first) } else { page(at: time, site: 4, first: first) }
        case .fitness:
            if known { fitnessAction(at: time, first: first) } else { page(at: time, site: 5, first: first) }
        }
    }

    /// A page call on one of the sites (`Context.pageChoices`), with a search referrer now and then
    /// on the first page of a session.
    mutating func page(at time: Int64, site: Int, first: Bool) {
        let index = context.pageChoices[site][context.pageWeights[site].pick(&rng)]
        let referrer: Int32 = first && rng.chance(0.3) ? Int32(1 + rng.below(Vocabulary.referrers.count)) : 0
        add(.page, at: time, a: index, b: referrer)
    }

    private mutating func productAction(at time: inout Int64, first: Bool) {
        switch context.actionWeights[0].pick(&rng) {
        case 0:
            page(at: time, site: 0, first: first)
        case 1:
            add(.coreFeatureUsed, at: time, a: Int32(rng.below(Vocabulary.coreAreas.count)))
        case 2:
            featureUsed(at: time)
        case 3:
            add(.reportRun, at: time, a: Int32(rng.below(Vocabulary.reports.count)))
        case 4:
            documents += 1
            add(.documentCreated, at: time, a: documents, b: Int32(rng.below(Vocabulary.documentTypes.count)))
        case 5:
            editDocument(at: time)
        case 6:
            add(.workflowCompleted, at: time, a: Int32(rng.below(Vocabulary.workflows.count)))
        case 7:
            let code = plan(at: time)
            if persona.premiumUser && (code >= 2 || (code == 1 && rng.chance(0.3))) {
                add(.premiumFeatureUsed, at: time, a: Int32(rng.below(Vocabulary.premiumFeatures.count)))
            } else {
                featureUsed(at: time)
            }
        case 8:
            if plan(at: time) >= 2 {
                add(.paidFeatureUsed, at: time, a: Int32(rng.below(Vocabulary.paidFeatures.count)))
            } else {
                add(.coreFeatureUsed, at: time, a: Int32(rng.below(Vocabulary.coreAreas.count)))
            }
        case 9:
            if plan(at: time) <= 1 {
                add(.upgradeViewed, at: time, a: Int32(rng.below(Vocabulary.upgradeSources.count)))
            } else {
                page(at: time, site: 0, first: first)
            }
        case 10:
            if account != nil || rng.chance(0.3) {
                add(.teammateInvited, at: time, a: Int32(rng.below(Vocabulary.roles.count)))
            } else {
                editDocument(at: time)
            }
        case 11:
            let sentiment = max(-1, min(1, persona.satisfaction + 0.35 * rng.normal()))
            let hundredths = Int64((sentiment * 100).rounded())
            let rating = Int32(max(1, min(5, (3 + 2 * sentiment).rounded())))
            add(.ticketRated, at: time, a: rating, amount: hundredths)
        case 12:
            if !persona.loyal || rng.chance(0.25) {
                add(.billingTicket, at: time, a: Int32(rng.below(Vocabulary.billingTopics.count)))
            } else {
                featureUsed(at: time)
            }
        case 13:
            if !persona.loyal || persona.satisfaction < 0 {
                add(.competitorMentioned, at: time, a: Int32(rng.below(Vocabulary.competitors.count)))
            } else {
                page(at: time, site: 0, first: first)
            }
        case 14:
            add(.page, at: time, a: Vocabulary.PageIndex.pricing)
        default:
            add(
                .page, at: time,
                a: rng.chance(0.6) ? Vocabulary.PageIndex.slackDocs : Vocabulary.PageIndex.slackDocs + 1)
        }
    }

    private mutating func featureUsed(at time: Int64) {
        let pick = (persona.featureOffset + Int32(rng.below(Int(persona.featureBreadth))))
        add(.featureUsed, at: time, a: pick % Int32(Vocabulary.productFeatureCount))
    }

    mutating func editDocument(at time: Int64, planted: Bool = false) {
        let document = documents > 0 ? 1 + Int32(rng.below(Int(documents))) : 1
        add(
            .documentEdited, at: time, a: document, b: Int32(rng.below(Vocabulary.documentTypes.count)),
            planted: planted)
    }

    private mutating func shopAction(at time: inout Int64, first: Bool) {
        switch context.actionWeights[1].pick(&rng) {
        case 0:
            page(at: time, site: 1, first: first)
        case 1:
            let product = drawProduct()
            add(.productViewed, at: time, a: product.number, b: product.category, amount: product.price)
        default:
            let product = drawProduct()
            add(.productViewed, at: time, a: product.number, b: product.category, amount: product.price)
            time += 15_000 + rng.below(Int64(120_000))
            let quantity = Int32(1 + rng.geometric(mean: 0.2))
            add(.productAdded, at: time, a: product.number, b: product.category, c: quantity, amount: product.price)
            let sale = time >= context.saleStart && time < context.saleEnd
            if rng.chance(min(0.95, persona.buyProbability * (sale ? 1.7 : 1))) {
                time += 60_000 + rng.below(Int64(15 * Context.minute))
                let extra = rng.geometric(mean: 0.5)
                var revenue = product.price * Int64(quantity)
                for _ in 0..<extra { revenue += drawProduct().price }
                if sale { revenue = revenue * 80 / 100 }
                orders += 1
                add(.orderCompleted, at: time, a: orders, b: quantity + Int32(extra), c: sale ? 1 : 0, amount: revenue)
            }
        }
    }

    /// A product: a popular-skewed number within a category, and its price in hundredths.
    private mutating func drawProduct() -> (number: Int32, category: Int32, price: Int64) {
        let category =
            rng.chance(0.6) ? persona.favoriteCategory : Int32(rng.below(Vocabulary.categories.count))
        let u = rng.unit()
        let rank = Int32(u * u * 400)
        let base = Vocabulary.categoryPrices[Int(category)]
        let price = (base * Int64(50 + (rank * 37) % 100) / 10_000) * 100 + 99
        return (category * 1000 + rank, category, price)
    }

    private mutating func bankAction(at time: Int64, first: Bool) {
        switch context.actionWeights[2].pick(&rng) {
        case 0:
            let weights = persona.securityMinded ? context.secureFeatureWeights : context.rewardFeatureWeights
            add(.featureUsed, at: time, a: Int32(Vocabulary.bankingFeatureStart + weights.pick(&rng)))
        case 1:
            page(at: time, site: 2, first: first)
        case 2:
            if persona.depositor {
                add(.depositCompleted, at: time, amount: Int64(50 + 50 * rng.below(40)) * 100)
            } else {
                add(.page, at: time, a: Vocabulary.PageIndex.etfBasics)
            }
        default:
            add(.page, at: time, a: Vocabulary.PageIndex.etfBasics + Int32(rng.below(2)))
        }
    }

    private mutating func contentAction(at time: Int64, first: Bool) {
        switch context.actionWeights[3].pick(&rng) {
        case 0:
            let topic =
                rng.chance(persona.topicLoyalty) ? persona.favoriteTopic : Int32(rng.below(Vocabulary.topics.count))
            let article = topic * 10_000 + Int32(rng.below(5000))
            if plan(at: time) < 2 && rng.chance(0.12) {
                add(.paywallHit, at: time, a: article, b: topic)
            } else {
                add(.articleRead, at: time, a: article, b: topic, c: Int32(20 + rng.geometric(mean: 150)))
            }
        default:
            page(at: time, site: 3, first: first)
        }
    }

    private mutating func learningAction(at time: Int64, first: Bool) {
        switch context.actionWeights[4].pick(&rng) {
        case 0:
            completeLesson(at: time)
        case 1:
            page(at: time, site: 4, first: first)
        default:
            let topic = Int32(rng.below(Vocabulary.topics.count))
            add(
                .articleRead, at: time, a: topic * 10_000 + Int32(rng.below(5000)), b: topic,
                c: Int32(30 + rng.below(400)))
        }
    }

    /// "Lesson Completed", usually followed by "Course Progress"; a finished course starts the next.
    mutating func completeLesson(at time: Int64, planted: Bool = false) {
        let lessons = Vocabulary.courseLessons[Int(currentCourse)]
        lessonsDone += 1
        add(.lessonCompleted, at: time, a: currentCourse, b: lessonsDone, planted: planted)
        if planted || rng.chance(0.8) {
            add(
                .courseProgress, at: time + 1000, a: currentCourse, b: min(100, lessonsDone * 100 / lessons),
                planted: planted)
        }
        if lessonsDone >= lessons {
            lessonsDone = 0
            currentCourse = (currentCourse + 1) % Int32(Vocabulary.courses.count)
        }
    }

    private mutating func fitnessAction(at time: Int64, first: Bool) {
        switch context.actionWeights[5].pick(&rng) {
        case 0:
            workout(at: time)
        default:
            page(at: time, site: 5, first: first)
        }
    }

    /// "Workout Completed" of the user's favourite kind more often than not.
    mutating func workout(at time: Int64, planted: Bool = false) {
        let kind = rng.chance(0.6) ? persona.favoriteWorkout : Int32(rng.below(Vocabulary.workouts.count))
        add(.workoutCompleted, at: time, a: kind, b: Int32(15 + rng.below(60)), planted: planted)
    }
}
