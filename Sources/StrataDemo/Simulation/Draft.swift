/// One message of a user's timeline, before it is written: a kind and a few numbers whose meaning
/// depends on the kind (indices into `Vocabulary`, counts, amounts in hundredths).
struct Draft {
    /// Epoch milliseconds.
    var time: Int64
    /// Insertion order, the tie-breaker when two drafts share a millisecond.
    var sequence: Int32
    var kind: Kind
    /// Placed by a planted behaviour; post-filters that enforce the behaviour leave it alone.
    var planted: Bool
    var a: Int32
    var b: Int32
    var c: Int32
    var amount: Int64

    /// What a draft becomes. The comment says what `a`, `b`, `c` and `amount` hold.
    enum Kind: UInt8 {
        /// identify: a plan code.
        case identify
        /// group with the user's account: a plan code.
        case group
        /// alias from the anonymousId to the userId.
        case alias
        /// page: a page index, b referrer index + 1 (0 for none).
        case page
        /// a platform.
        case sessionStarted
        /// amount: duration in hundredths of an hour.
        case sessionEnded
        /// a login method.
        case loggedIn
        /// a core area.
        case coreFeatureUsed
        /// a feature index.
        case featureUsed
        /// a report.
        case reportRun
        /// a document number, b document type.
        case documentCreated
        /// a document number, b document type.
        case documentEdited
        /// a workflow.
        case workflowCompleted
        /// a premium feature.
        case premiumFeatureUsed
        /// a paid feature.
        case paidFeatureUsed
        /// a source.
        case upgradeViewed
        /// a role.
        case teammateInvited
        /// an integration.
        case apiConnected
        /// amount: sentiment in hundredths (-100...100), a rating 1...5.
        case ticketRated
        /// a topic.
        case billingTicket
        /// a competitor.
        case competitorMentioned
        /// a demo type.
        case demoAttended
        /// a number of extra days.
        case trialExtensionRequested
        /// a trial length in days.
        case trialStarted
        /// (no payload): the trial ended without converting.
        case trialEnded
        /// a step 1...8.
        case onboardingStepCompleted
        /// a plan code, amount in hundredths.
        case paymentSucceeded
        /// a from-plan, b to-plan, amount: new mrr in hundredths.
        case planUpgraded
        /// a plan code, b reason.
        case subscriptionCancelled
        /// a plan code, amount in hundredths.
        case subscriptionStarted
        /// a campaign.
        case emailOpened
        /// a campaign, b link.
        case emailLinkClicked
        /// a product number, b category, amount price in hundredths.
        case productViewed
        /// a product number, b category, c quantity, amount price in hundredths.
        case productAdded
        /// a order number, b products, amount revenue in hundredths, c 1 when a sale coupon applied.
        case orderCompleted
        /// amount in hundredths.
        case depositCompleted
        /// a article number, b topic, c seconds read.
        case articleRead
        /// a article number, b topic.
        case paywallHit
        /// a course, b lesson number.
        case lessonCompleted
        /// a course, b percent.
        case courseProgress
        /// a workout type, b minutes.
        case workoutCompleted
    }
}
