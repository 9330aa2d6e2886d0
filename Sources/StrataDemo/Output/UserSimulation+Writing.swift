extension UserSimulation {
    /// Writes the current user's drafts as JSONL and returns how many messages were written.
    mutating func write(into writer: inout ByteWriter) -> Int {
        prepareIdentifiers()
        var number = 0
        for draft in drafts {
            writeMessage(draft, number: number, into: &writer)
            number += 1
        }
        return number
    }

    /// Builds the byte strings repeated in every message of the user: the messageId prefix and the
    /// id fields.
    private mutating func prepareIdentifiers() {
        messagePrefix.removeAll(keepingCapacity: true)
        messagePrefix.append(contentsOf: "g-".utf8)
        Self.appendDecimal(context.seed, to: &messagePrefix)
        messagePrefix.append(0x2D)
        Self.appendDecimal(UInt64(user), to: &messagePrefix)
        messagePrefix.append(0x2D)

        userField.removeAll(keepingCapacity: true)
        userField.append(contentsOf: "\"userId\":\"u-".utf8)
        Self.appendDecimal(UInt64(user), to: &userField)
        userField.append(contentsOf: "\",".utf8)

        anonymousValue.removeAll(keepingCapacity: true)
        let high = persona.anonymousHigh
        let low = (persona.anonymousLow & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        Self.appendHex(high >> 32, digits: 8, to: &anonymousValue)
        anonymousValue.append(0x2D)
        Self.appendHex(high >> 16, digits: 4, to: &anonymousValue)
        anonymousValue.append(0x2D)
        Self.appendHex((high & 0x0FFF) | 0x4000, digits: 4, to: &anonymousValue)
        anonymousValue.append(0x2D)
        Self.appendHex(low >> 48, digits: 4, to: &anonymousValue)
        anonymousValue.append(0x2D)
        Self.appendHex(low, digits: 12, to: &anonymousValue)

        anonymousField.removeAll(keepingCapacity: true)
        anonymousField.append(contentsOf: "\"anonymousId\":\"".utf8)
        anonymousField.append(contentsOf: anonymousValue)
        anonymousField.append(contentsOf: "\",".utf8)
    }

    private static func appendDecimal(_ value: UInt64, to bytes: inout [UInt8]) {
        var digits: [UInt8] = []
        var rest = value
        repeat {
            digits.append(UInt8(truncatingIfNeeded: 0x30 + rest % 10))
            rest /= 10
        } while rest > 0
        bytes.append(contentsOf: digits.reversed())
    }

    private static func appendHex(_ value: UInt64, digits: Int, to bytes: inout [UInt8]) {
        var shift = (digits - 1) * 4
        for _ in 0..<digits {
            let nibble = UInt8(truncatingIfNeeded: (value >> UInt64(shift)) & 0xF)
            bytes.append(nibble < 10 ? 0x30 + nibble : 0x57 + nibble)
            shift -= 4
        }
    }

    private func writeMessage(_ draft: Draft, number: Int, into w: inout ByteWriter) {
        switch draft.kind {
        case .identify: w.write("{\"type\":\"identify\",\"messageId\":\"")
        case .group: w.write("{\"type\":\"group\",\"messageId\":\"")
        case .alias: w.write("{\"type\":\"alias\",\"messageId\":\"")
        case .page: w.write("{\"type\":\"page\",\"messageId\":\"")
        default: w.write("{\"type\":\"track\",\"messageId\":\"")
        }
        w.write(messagePrefix)
        w.write(integer: number)
        w.write("\",")
        if draft.kind == .alias {
            w.write("\"previousId\":\"")
            w.write(anonymousValue)
            w.write("\",")
            w.write(userField)
        } else if persona.identity == .known {
            w.write(userField)
        } else if draft.time >= identifiedAt {
            w.write(userField)
            w.write(anonymousField)
        } else {
            w.write(anonymousField)
        }
        switch draft.kind {
        case .identify: writeTraits(plan: UInt8(truncatingIfNeeded: draft.a), into: &w)
        case .group: writeGroup(plan: UInt8(truncatingIfNeeded: draft.a), into: &w)
        case .alias: break
        case .page: writePage(draft, into: &w)
        default: writeTrack(draft, into: &w)
        }
        w.write("\"timestamp\":\"")
        w.write(timestamp: draft.time)
        w.write("\"}\n")
    }

    private func writeTraits(plan code: UInt8, into w: inout ByteWriter) {
        let first = Vocabulary.firstNames[Int(persona.firstName)]
        let last = Vocabulary.lastNames[Int(persona.lastName)]
        w.write("\"traits\":{\"email\":\"")
        w.write(lowercased: first)
        w.write(byte: 0x2E)
        w.write(lowercased: last)
        w.write(byte: 0x2E)
        w.write(integer: user)
        w.write(byte: 0x40)
        w.write(Vocabulary.emailDomains[Int(persona.emailDomain)])
        w.write("\",\"name\":\"")
        w.write(first)
        w.write(byte: 0x20)
        w.write(last)
        w.write("\",\"plan\":\"")
        w.write(Vocabulary.plans[Int(code)])
        w.write("\",\"industry\":\"")
        w.write(Vocabulary.industries[Int(persona.industry)])
        w.write("\",\"employees\":")
        w.write(integer: Int(persona.employees))
        w.write(",\"mrr\":")
        w.write(hundredths: mrr(plan: code))
        w.write(code >= 2 ? ",\"subscriber\":true}," : ",\"subscriber\":false},")
    }

    private func writeGroup(plan code: UInt8, into w: inout ByteWriter) {
        guard let account else { return }
        w.write("\"groupId\":\"acct-")
        w.write(integer: account.number)
        w.write("\",\"traits\":{\"name\":\"")
        w.write(Vocabulary.companyFirst[Int(account.nameFirst)])
        w.write(byte: 0x20)
        w.write(Vocabulary.companySecond[Int(account.nameSecond)])
        w.write("\",\"industry\":\"")
        w.write(Vocabulary.industries[Int(account.industry)])
        w.write("\",\"employees\":")
        w.write(integer: Int(account.employees))
        w.write(",\"plan\":\"")
        w.write(Vocabulary.plans[Int(code)])
        w.write("\"},")
    }

    private func writePage(_ draft: Draft, into w: inout ByteWriter) {
        let page = Vocabulary.pages[Int(draft.a)]
        w.write("\"name\":\"")
        w.write(page.name)
        w.write("\",\"properties\":{\"path\":\"")
        w.write(page.path)
        w.write("\",\"url\":\"https://www.example.com")
        w.write(page.path)
        w.write("\",\"title\":\"")
        w.write(page.title)
        if draft.b > 0 {
            w.write("\",\"referrer\":\"")
            w.write(Vocabulary.referrers[Int(draft.b - 1)])
        }
        w.write("\"},")
    }

    private func writeTrack(_ draft: Draft, into w: inout ByteWriter) {
        let a = Int(draft.a)
        let b = Int(draft.b)
        switch draft.kind {
        case .identify, .group, .alias, .page:
            break
        case .sessionStarted:
            w.write("\"event\":\"Session Started\",\"properties\":{\"platform\":\"")
            w.write(Vocabulary.platforms[a])
            w.write("\"},")
        case .sessionEnded:
            w.write("\"event\":\"Session Ended\",\"properties\":{\"duration_hours\":")
            w.write(hundredths: draft.amount)
            w.write("},")
        case .loggedIn:
            w.write("\"event\":\"Logged In\",\"properties\":{\"method\":\"")
            w.write(Vocabulary.loginMethods[a])
            w.write("\"},")
        case .coreFeatureUsed:
            w.write("\"event\":\"Core Feature Used\",\"properties\":{\"area\":\"")
            w.write(Vocabulary.coreAreas[a])
            w.write("\"},")
        case .featureUsed:
            w.write("\"event\":\"Feature Used\",\"properties\":{\"feature\":\"")
            w.write(Vocabulary.features[a])
            w.write("\"},")
        case .reportRun:
            w.write("\"event\":\"Report Run\",\"properties\":{\"report\":\"")
            w.write(Vocabulary.reports[a])
            w.write("\"},")
        case .documentCreated, .documentEdited:
            w.write(
                draft.kind == .documentCreated
                    ? "\"event\":\"Document Created\",\"properties\":{\"document_id\":\"doc-"
                    : "\"event\":\"Document Edited\",\"properties\":{\"document_id\":\"doc-")
            w.write(integer: user)
            w.write(byte: 0x2D)
            w.write(integer: a)
            w.write("\",\"document_type\":\"")
            w.write(Vocabulary.documentTypes[b])
            w.write("\"},")
        case .workflowCompleted:
            w.write("\"event\":\"Workflow Completed\",\"properties\":{\"workflow\":\"")
            w.write(Vocabulary.workflows[a])
            w.write("\"},")
        case .premiumFeatureUsed:
            w.write("\"event\":\"Premium Feature Used\",\"properties\":{\"feature\":\"")
            w.write(Vocabulary.premiumFeatures[a])
            w.write("\"},")
        case .paidFeatureUsed:
            w.write("\"event\":\"Paid Feature Used\",\"properties\":{\"feature\":\"")
            w.write(Vocabulary.paidFeatures[a])
            w.write("\"},")
        case .upgradeViewed:
            w.write("\"event\":\"Upgrade Viewed\",\"properties\":{\"source\":\"")
            w.write(Vocabulary.upgradeSources[a])
            w.write("\"},")
        case .teammateInvited:
            w.write("\"event\":\"Teammate Invited\",\"properties\":{\"role\":\"")
            w.write(Vocabulary.roles[a])
            w.write("\"},")
        case .apiConnected:
            w.write("\"event\":\"API Connected\",\"properties\":{\"integration\":\"")
            w.write(Vocabulary.integrations[a])
            w.write("\"},")
        case .ticketRated:
            w.write("\"event\":\"Ticket Rated\",\"properties\":{\"sentiment\":")
            w.write(hundredths: draft.amount)
            w.write(",\"rating\":")
            w.write(integer: a)
            w.write("},")
        case .billingTicket:
            w.write("\"event\":\"Billing Ticket\",\"properties\":{\"topic\":\"")
            w.write(Vocabulary.billingTopics[a])
            w.write("\"},")
        case .competitorMentioned:
            w.write("\"event\":\"Competitor Mentioned\",\"properties\":{\"competitor\":\"")
            w.write(Vocabulary.competitors[a])
            w.write("\"},")
        case .demoAttended:
            w.write("\"event\":\"Demo Attended\",\"properties\":{\"demo_type\":\"")
            w.write(Vocabulary.demoTypes[a])
            w.write("\"},")
        case .trialExtensionRequested:
            w.write("\"event\":\"Trial Extension Requested\",\"properties\":{\"days\":")
            w.write(integer: a)
            w.write("},")
        case .trialStarted:
            w.write("\"event\":\"Trial Started\",\"properties\":{\"plan\":\"pro\",\"trial_days\":")
            w.write(integer: a)
            w.write("},")
        case .trialEnded:
            w.write("\"event\":\"Trial Ended\",\"properties\":{\"converted\":false},")
        case .onboardingStepCompleted:
            w.write("\"event\":\"Onboarding Step Completed\",\"properties\":{\"step\":")
            w.write(integer: a)
            w.write(",\"step_name\":\"")
            w.write(Vocabulary.onboardingSteps[a - 1])
            w.write("\"},")
        case .paymentSucceeded:
            w.write("\"event\":\"Payment Succeeded\",\"properties\":{\"amount\":")
            w.write(hundredths: draft.amount)
            w.write(",\"currency\":\"USD\",\"plan\":\"")
            w.write(Vocabulary.plans[a])
            w.write("\"},")
        case .planUpgraded:
            w.write("\"event\":\"Plan Upgraded\",\"properties\":{\"from_plan\":\"")
            w.write(Vocabulary.plans[a])
            w.write("\",\"to_plan\":\"")
            w.write(Vocabulary.plans[b])
            w.write("\",\"mrr\":")
            w.write(hundredths: draft.amount)
            w.write("},")
        case .subscriptionCancelled:
            w.write("\"event\":\"Subscription Cancelled\",\"properties\":{\"plan\":\"")
            w.write(Vocabulary.plans[a])
            w.write("\",\"reason\":\"")
            w.write(Vocabulary.cancelReasons[b])
            w.write("\"},")
        case .subscriptionStarted:
            w.write("\"event\":\"Subscription Started\",\"properties\":{\"plan\":\"")
            w.write(Vocabulary.plans[a])
            w.write("\",\"amount\":")
            w.write(hundredths: draft.amount)
            w.write("},")
        case .emailOpened:
            w.write("\"event\":\"Email Opened\",\"properties\":{\"campaign\":\"")
            w.write(Vocabulary.campaigns[a])
            w.write("\"},")
        case .emailLinkClicked:
            w.write("\"event\":\"Email Link Clicked\",\"properties\":{\"campaign\":\"")
            w.write(Vocabulary.campaigns[a])
            w.write("\",\"link\":\"")
            w.write(Vocabulary.links[b])
            w.write("\"},")
        case .productViewed, .productAdded:
            w.write(
                draft.kind == .productViewed
                    ? "\"event\":\"Product Viewed\",\"properties\":{\"product_id\":\"p-"
                    : "\"event\":\"Product Added\",\"properties\":{\"product_id\":\"p-")
            w.write(integer: a)
            w.write("\",\"category\":\"")
            w.write(Vocabulary.categories[b])
            w.write("\",\"price\":")
            w.write(hundredths: draft.amount)
            if draft.kind == .productAdded {
                w.write(",\"quantity\":")
                w.write(integer: Int(draft.c))
            }
            w.write("},")
        case .orderCompleted:
            w.write("\"event\":\"Order Completed\",\"properties\":{\"order_id\":\"o-")
            w.write(integer: user)
            w.write(byte: 0x2D)
            w.write(integer: a)
            w.write("\",\"revenue\":")
            w.write(hundredths: draft.amount)
            w.write(",\"products\":")
            w.write(integer: b)
            w.write(
                draft.c == 1 ? ",\"currency\":\"USD\",\"coupon\":\"BLACKFRIDAY\"}," : ",\"currency\":\"USD\"},")
        case .depositCompleted:
            w.write("\"event\":\"Deposit Completed\",\"properties\":{\"amount\":")
            w.write(hundredths: draft.amount)
            w.write(",\"currency\":\"USD\"},")
        case .articleRead:
            w.write("\"event\":\"Article Read\",\"properties\":{\"article_id\":\"a-")
            w.write(integer: a)
            w.write("\",\"topic\":\"")
            w.write(Vocabulary.topics[b])
            w.write("\",\"read_seconds\":")
            w.write(integer: Int(draft.c))
            w.write("},")
        case .paywallHit:
            w.write("\"event\":\"Paywall Hit\",\"properties\":{\"article_id\":\"a-")
            w.write(integer: a)
            w.write("\",\"topic\":\"")
            w.write(Vocabulary.topics[b])
            w.write("\"},")
        case .lessonCompleted:
            w.write("\"event\":\"Lesson Completed\",\"properties\":{\"course\":\"")
            w.write(Vocabulary.courses[a])
            w.write("\",\"lesson\":")
            w.write(integer: b)
            w.write("},")
        case .courseProgress:
            w.write("\"event\":\"Course Progress\",\"properties\":{\"course\":\"")
            w.write(Vocabulary.courses[a])
            w.write("\",\"percent\":")
            w.write(integer: b)
            w.write("},")
        case .workoutCompleted:
            w.write("\"event\":\"Workout Completed\",\"properties\":{\"workout_type\":\"")
            w.write(Vocabulary.workouts[a])
            w.write("\",\"minutes\":")
            w.write(integer: b)
            w.write("},")
        }
    }
}
