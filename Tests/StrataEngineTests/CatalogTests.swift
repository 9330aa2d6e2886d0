import StrataCore
import StrataEngine
import StrataLanguage
import Testing

/// Every segment of CATALOG.md on hand-built timelines, with members and non-members worked out by
/// hand, including edge cases at window boundaries.
@Suite struct CatalogTests {
    /// Wednesday 2026-07-15 12:00 UTC; this week began Monday 07-13, this month on 07-01.
    let now = t("2026-07-15T12:00:00Z")

    /// The members of a catalog segment over the users `build` creates.
    func members(
        _ condition: String, of kind: ProfileKind = .users, now: Int64? = nil, files: [String: String] = [:],
        _ build: (inout Fixture) -> Void
    ) throws -> [String] {
        var f = Fixture()
        f.files = files
        f.segment("catalog", of: kind, condition)
        build(&f)
        return try f.members("catalog", asOf: now ?? self.now)
    }

    /// Test scores: expansion 10 per feature use in 30 days, churn-risk 25 per billing ticket,
    /// conversion 10 per document created (each clamped to 100).
    let scores = [
        "scores/expansion.yaml": """
        kind: weighted
        inputs:
          - expr: count("Feature Used", last 30d) / 10
            normalize: clamp

        """,
        "scores/churn-risk.yaml": """
        kind: weighted
        inputs:
          - expr: count("Billing Ticket Opened") / 4
            normalize: clamp

        """,
        "scores/conversion.yaml": """
        kind: weighted
        inputs:
          - expr: count("Document Created") / 10
            normalize: clamp

        """,
    ]

    // MARK: SaaS lifecycle

    @Test func highIntentBuyers() throws {
        let july = t("2026-07-01T00:00:00Z")
        let result = try members(
            #"did("Core Feature Used") and sum("Session Ended", duration_hours, this month) >= 15 and (did("Demo Attended", last 30d) or did("Trial Extension Requested", last 30d))"#
        ) { f in
            for user in ["m1", "n1", "n2", "n3", "m2"] where user != "n3" {
                f.track(user, "Core Feature Used", at: now - 90 * day)
            }
            f.track("m1", "Session Ended", at: july, ["duration_hours": 10])
            f.track("m1", "Session Ended", at: now - day, ["duration_hours": 5])
            f.track("m1", "Demo Attended", at: now - 29 * day)
            f.track("n1", "Session Ended", at: july - 1, ["duration_hours": 10])  // June
            f.track("n1", "Session Ended", at: now - day, ["duration_hours": 5])
            f.track("n1", "Demo Attended", at: now - day)
            f.track("n2", "Session Ended", at: now - day, ["duration_hours": 15])
            f.track("n2", "Demo Attended", at: now - 30 * day)  // exactly 30d ago: outside
            f.track("n3", "Session Ended", at: now - day, ["duration_hours": 20])
            f.track("n3", "Demo Attended", at: now - day)
            f.track("m2", "Session Ended", at: now - day, ["duration_hours": 20])
            f.track("m2", "Trial Extension Requested", at: now - day)
        }
        #expect(result == ["m1", "m2"])
    }

    @Test func atRiskUsers() throws {
        let result = try members(
            #"count("Logged In", last 30d) <= 0.4 * count("Logged In", from 60d ago to 30d ago) or (did("Core Feature Used", before 30d ago) and not did("Core Feature Used", last 30d))"#
        ) { f in
            f.track("m1", "Logged In", times: [now - day, now - 2 * day] + (31...35).map { now - Int64($0) * day })
            f.track(
                "n1", "Logged In",
                times: [now - day, now - 2 * day, now - 3 * day] + (31...35).map { now - Int64($0) * day })
            f.track("n1", "Core Feature Used", times: [now - 31 * day, now - day])
            f.track("m2", "Logged In", times: (1...10).map { now - Int64($0) * day })
            f.track("m2", "Core Feature Used", times: [now - 30 * day])  // exactly 30d ago: before, not last 30d
            f.identify("m3", at: now - day)  // 0 <= 0
            f.track("n2", "Logged In", times: [now - day, now - 31 * day, now - 32 * day])  // 1 <= 0.8 is false
        }
        #expect(result == ["m1", "m2", "m3"])
    }

    @Test func expansionTargets() throws {
        let paying = ["segments/paying.yaml": "where: trait.plan in [\"pro\", \"enterprise\"]\n"]
        let result = try members(
            #"trait.plan != "free" and percentile(count(any, last 30d), among: "paying") >= 75 and not did("Plan Upgraded", last 120d)"#,
            files: paying
        ) { f in
            let plans = [
                "p1": "pro", "p2": "pro", "p3": "enterprise", "p4": "pro", "p6": "pro", "p5": "trial", "f1": "free",
            ]
            for (user, plan) in plans { f.identify(user, ["plan": .string(plan)], at: now - 50 * day) }
            let counts = ["p1": 1, "p2": 2, "p3": 3, "p4": 4, "p6": 4, "p5": 10, "f1": 10, "x1": 10]
            for (user, n) in counts { f.track(user, "Logged In", times: (1...n).map { now - Int64($0) * hour }) }
            f.track("p4", "Plan Upgraded", at: now - 120 * day)  // exactly 120d ago: outside
            f.track("p6", "Plan Upgraded", at: now - 10 * day)  // 5 events in 30d, but upgraded
        }
        // Among paying (p1..p4, p6 with 1, 2, 3, 4, 5 events): p4 = 80, p5 (trial, 10) = 100.
        #expect(result == ["p4", "p5"])
    }

    @Test func trialActivated() throws {
        let result = try members(
            #"trait.plan = "trial" and count("Document Created") >= 5 and did("Teammate Invited") and sum("Session Ended", duration_hours) >= 8"#
        ) { f in
            for (user, plan, docs, hours) in [
                ("m", "trial", 5, 5.0), ("n1", "trial", 4, 5.0), ("n2", "pro", 5, 5.0), ("n3", "trial", 5, 4.5),
            ] {
                f.identify(user, ["plan": .string(plan)], at: now - 20 * day)
                f.track(user, "Document Created", times: (1...docs).map { now - Int64($0) * day })
                f.track(user, "Teammate Invited", at: now - 3 * day)
                f.track(user, "Session Ended", at: now - 2 * day, ["duration_hours": 3])
                f.track(user, "Session Ended", at: now - 1 * day, ["duration_hours": .number(hours)])
            }
        }
        #expect(result == ["m"])
    }

    @Test func dormantFree() throws {
        let result = try members(#"trait.plan = "free" and not did(any, last 60d) and count("Core Feature Used") <= 1"#)
        { f in
            for user in ["m1", "m2", "n1", "n2"] { f.identify(user, ["plan": "free"], at: now - 200 * day) }
            f.identify("n3", ["plan": "pro"], at: now - 200 * day)
            f.track("m1", "Core Feature Used", at: now - 60 * day)  // exactly 60d ago: outside
            f.track("n1", "Logged In", at: now - 60 * day + 1)
            f.track("n2", "Core Feature Used", times: [now - 100 * day, now - 90 * day])
        }
        #expect(result == ["m1", "m2"])
    }

    @Test func featureAbandoners() throws {
        let result = try members(#"did("Report Run", before 7d ago) and not did("Report Run", last 7d)"#) { f in
            f.track("m", "Report Run", at: now - 7 * day)
            f.track("n1", "Report Run", at: now - 7 * day + 1)
            f.track("n2", "Report Run", times: [now - 10 * day, now])
        }
        #expect(result == ["m"])
    }

    @Test func onboardingHalfway() throws {
        let result = try members(#"count_distinct("Onboarding Step Completed", step) / 8 >= 0.5"#) { f in
            for step in 1...4 {
                f.track("m", "Onboarding Step Completed", at: now - Int64(step) * day, ["step": .number(Double(step))])
            }
            for step in [1, 1, 2, 3] {
                f.track("n", "Onboarding Step Completed", at: now - day, ["step": .number(Double(step))])
            }
            f.track("n", "Onboarding Step Completed", at: now - day)
        }
        #expect(result == ["m"])
    }

    @Test func highEngagementWeek() throws {
        let result = try members(#"count("Workflow Completed", last 7d) >= 3"#) { f in
            f.track("m", "Workflow Completed", times: [now, now - day, now - 7 * day + 1])
            f.track("n", "Workflow Completed", times: [now, now - day, now - 7 * day])
        }
        #expect(result == ["m"])
    }

    @Test func inactive21d() throws {
        let result = try members(#"did(any) and not did("Logged In", last 21d)"#) { f in
            f.track("m", "Logged In", at: now - 21 * day)
            f.track("m", "Page Viewed", at: now - day)
            f.track("n1", "Logged In", at: now - 21 * day + 1)
            f.identify("n2", at: now - day)
        }
        #expect(result == ["m"])
    }

    @Test func deepUsers() throws {
        let result = try members(#"count_distinct("Feature Used", feature, last 30d) >= 0.8 * 10"#) { f in
            for k in 0..<8 { f.track("m", "Feature Used", at: now - Int64(k) * day, ["feature": .string("f\(k)")]) }
            for k in 0..<7 { f.track("n", "Feature Used", at: now - Int64(k) * day, ["feature": .string("f\(k)")]) }
            f.track("n", "Feature Used", at: now - 30 * day, ["feature": "f7"])
            f.track("n", "Feature Used", at: now - day, ["feature": "f0"])
        }
        #expect(result == ["m"])
    }

    @Test func newAdoptersAPI() throws {
        let result = try members(#"first_time("API Connected") > now - 30d"#) { f in
            f.track("m", "API Connected", at: now - 29 * day)
            f.track("n1", "API Connected", times: [now - 30 * day, now - day])
            f.track("n2", "Logged In", at: now - day)
        }
        #expect(result == ["m"])
    }

    @Test func openedNotClicked() throws {
        let result = try members(
            #"did("Email Opened" where campaign = "analytics", last 14d) and not did("Email Link Clicked" where campaign = "analytics" and link = "demo", last 14d)"#
        ) { f in
            for user in ["m1", "m2", "n1"] { f.track(user, "Email Opened", at: now - day, ["campaign": "analytics"]) }
            f.track("m1", "Email Link Clicked", at: now - day, ["campaign": "analytics", "link": "pricing"])
            f.track("m2", "Email Link Clicked", at: now - day, ["campaign": "other", "link": "demo"])
            f.track("n1", "Email Link Clicked", at: now - day, ["campaign": "analytics", "link": "demo"])
            f.track("n2", "Email Opened", at: now - day, ["campaign": "other"])
            f.track("n3", "Email Opened", at: now - 14 * day, ["campaign": "analytics"])  // outside
        }
        #expect(result == ["m1", "m2"])
    }

    @Test func expansionNoPremium() throws {
        let result = try members(#"score.expansion >= 70 and not did("Premium Feature Used", last 30d)"#, files: scores)
        { f in
            f.track("m", "Feature Used", times: (1...7).map { now - Int64($0) * day })
            f.track("n1", "Feature Used", times: (1...6).map { now - Int64($0) * day })
            f.track("n2", "Feature Used", times: (1...8).map { now - Int64($0) * day })
            f.track("n2", "Premium Feature Used", at: now - 5 * day)
        }
        #expect(result == ["m"])
    }

    @Test func churnWinback() throws {
        let result = try members(#"score.churn-risk > 70 and not did(any, last 10d)"#, files: scores) { f in
            f.track("m", "Billing Ticket Opened", times: [now - 30 * day, now - 20 * day, now - 10 * day])
            f.track("n1", "Billing Ticket Opened", times: [now - 30 * day, now - 20 * day, now - 9 * day])
            f.track("n2", "Billing Ticket Opened", times: [now - 30 * day, now - 20 * day])
        }
        #expect(result == ["m"])
    }

    @Test func conversionDemo() throws {
        let result = try members(#"score.conversion between 40 and 60 and did("Demo Attended")"#, files: scores) { f in
            for (user, docs, demo) in [
                ("m1", 4, true), ("m2", 6, true), ("n1", 7, true), ("n2", 5, false), ("n3", 3, true),
            ] {
                f.track(user, "Document Created", times: (1...docs).map { now - Int64($0) * day })
                if demo { f.track(user, "Demo Attended", at: now - 50 * day) }
            }
        }
        #expect(result == ["m1", "m2"])
    }

    @Test func manufacturingExpansion() throws {
        let result = try members(
            #"score.expansion >= 70 and trait.industry = "manufacturing" and trait.employees between 50 and 500"#,
            files: scores
        ) { f in
            let traits: [(String, JSONValue, JSONValue)] = [
                ("m1", "manufacturing", 50), ("m2", "manufacturing", 500), ("n1", "manufacturing", 501),
                ("n2", "retail", 100), ("n3", "manufacturing", "50"),
            ]
            for (user, industry, employees) in traits {
                f.identify(user, ["industry": industry, "employees": employees], at: now - 40 * day)
                f.track(user, "Feature Used", times: (1...7).map { now - Int64($0) * day })
            }
        }
        #expect(result == ["m1", "m2"])
    }

    @Test func singleUserTrialists() throws {
        let result = try members(
            #"trait.plan = "trial" and not did("Teammate Invited", first 7d) and count("Document Created") < 2"#
        ) { f in
            let start = now - 20 * day
            for user in ["m1", "m2", "n1", "n2"] { f.identify(user, ["plan": "trial"], at: start) }
            f.track("m1", "Signed Up", at: start)
            f.track("m1", "Teammate Invited", at: start + 7 * day)  // first 7d ends before this
            f.track("m1", "Document Created", at: start + day)
            f.track("n1", "Signed Up", at: start)
            f.track("n1", "Teammate Invited", at: start + 7 * day - 1)
            f.track("n2", "Document Created", times: [start, start + day])
        }
        #expect(result == ["m1", "m2"])
    }

    @Test func dormantSignups() throws {
        let result = try members(
            #"days_since_first(any) > 14 and count("Session Started") < 3 and not did("Payment Succeeded")"#
        ) { f in
            f.track("m", "Session Started", times: [now - 15 * day, now - day])
            f.track("n1", "Session Started", at: now - 14 * day)
            f.track("n2", "Session Started", at: now - 20 * day)
            f.track("n2", "Payment Succeeded", at: now - 19 * day)
            f.track("n3", "Session Started", times: [now - 20 * day, now - 2 * day, now - day])
            f.identify("n4", at: now - 30 * day)
        }
        #expect(result == ["m"])
    }

    @Test func weeklyActive4() throws {
        let monday = t("2026-07-13T00:00:00Z")
        let result = try members(#"streak(week, did(any)) >= 4"#) { f in
            f.track("m1", "A", times: [monday + hour, monday - 7 * day, monday - 14 * day, monday - 21 * day])
            f.track("m2", "A", times: [monday - 1, monday - 8 * day, monday - 15 * day, monday - 22 * day])
            f.track("n", "A", times: [monday, monday - 7 * day, monday - 21 * day, monday - 28 * day])
        }
        #expect(result == ["m1", "m2"])
    }

    @Test func activated3FeaturesWeek1() throws {
        let result = try members(#"count_distinct("Feature Used", feature, first 7d after "Trial Started") >= 3"#) {
            f in
            let trial = now - 30 * day
            for user in ["m", "n1", "n2"] { f.track(user, "Trial Started", at: trial) }
            for (k, offset) in [0, day, 7 * day - 1].enumerated() {
                f.track("m", "Feature Used", at: trial + offset, ["feature": .string("f\(k)")])
            }
            for (k, offset) in [0, day, 7 * day].enumerated() {
                f.track("n1", "Feature Used", at: trial + offset, ["feature": .string("f\(k)")])
            }
            for k in 0..<3 { f.track("n2", "Feature Used", at: trial - 1, ["feature": .string("f\(k)")]) }
            for k in 0..<3 { f.track("n3", "Feature Used", at: trial, ["feature": .string("f\(k)")]) }
        }
        #expect(result == ["m"])
    }

    // MARK: Ecommerce, retail, fintech

    @Test func cartAbandoners() throws {
        let result = try members(#"not_followed_by("Product Added", "Order Completed", within: 2h, last 1d)"#) { f in
            f.track("m1", "Product Added", at: now - 5 * hour)
            f.track("m2", "Product Added", at: now - 2 * hour)
            f.track("n1", "Product Added", at: now - 5 * hour)
            f.track("n1", "Order Completed", at: now - 4 * hour)
            f.track("n2", "Product Added", at: now - hour)
            f.track("n3", "Product Added", at: now - day)
        }
        #expect(result == ["m1", "m2"])
    }

    @Test func buyerCounts() throws {
        let build: (inout Fixture) -> Void = { f in
            f.track("one", "Order Completed", at: now - 100 * day)
            f.track("two", "Order Completed", times: [now - 100 * day, now - day])
            f.track("four", "Order Completed", times: [now - 90 * day + 1, now - 50 * day, now - 10 * day, now])
            f.track("late", "Order Completed", times: [now - 90 * day, now - 50 * day, now - 10 * day, now])
            f.identify("none", at: now)
        }
        #expect(try members(#"count("Order Completed") = 1"#, build) == ["one"])
        #expect(try members(#"count("Order Completed") >= 2"#, build) == ["four", "late", "two"])
        #expect(try members(#"count("Order Completed", last 90d) >= 4"#, build) == ["four"])
    }

    @Test func browseNoBuy() throws {
        let result = try members(
            #"count("Product Viewed" where category = "shoes", last 7d) >= 3 and not did("Order Completed", last 30d)"#
        ) { f in
            for user in ["m", "n2"] {
                f.track(
                    user, "Product Viewed", times: [now - day, now - 2 * day, now - 3 * day], ["category": "shoes"])
            }
            f.track("m", "Order Completed", at: now - 30 * day)
            f.track("n1", "Product Viewed", times: [now - day, now - 2 * day], ["category": "shoes"])
            f.track("n1", "Product Viewed", at: now - day, ["category": "bags"])
            f.track("n2", "Order Completed", at: now - 29 * day)
        }
        #expect(result == ["m"])
    }

    @Test func winbackOverdue() throws {
        let result = try members(#"days_since("Order Completed") > avg_gap("Order Completed")"#) { f in
            f.track("m", "Order Completed", times: [now - 40 * day, now - 30 * day, now - 20 * day])
            f.track("n1", "Order Completed", times: [now - 25 * day, now - 15 * day, now - 5 * day])
            f.track("n2", "Order Completed", at: now - 100 * day)
            f.track("n3", "Order Completed", times: [now - 30 * day, now - 20 * day, now - 10 * day])  // 10 = 10
        }
        #expect(result == ["m"])
    }

    @Test func lapsed90d() throws {
        let result = try members(
            #"did("Order Completed") and not did("Order Completed", last 90d) and count(any, last 30d) < count(any, from 60d ago to 30d ago)"#
        ) { f in
            f.track("m", "Order Completed", at: now - 100 * day)
            f.track("m", "Page Viewed", times: [now - day, now - 40 * day, now - 50 * day])
            f.track("n1", "Order Completed", at: now - 89 * day)
            f.track("n1", "Page Viewed", times: [now - 40 * day, now - 50 * day])
            f.track("n2", "Order Completed", at: now - 100 * day)
            f.track("n2", "Page Viewed", times: [now - day, now - 2 * day, now - 40 * day, now - 30 * day])
        }
        #expect(result == ["m"])
    }

    @Test func saleShoppers() throws {
        let result = try members(#"did("Order Completed", from 2025-11-20 to 2025-12-02)"#) { f in
            f.track("m1", "Order Completed", at: t("2025-12-01T23:59:59.999Z"))
            f.track("m2", "Order Completed", at: t("2025-11-20T00:00:00Z"))
            f.track("n1", "Order Completed", at: t("2025-12-02T00:00:00Z"))
            f.track("n2", "Order Completed", at: t("2025-11-19T23:59:59.999Z"))
        }
        #expect(result == ["m1", "m2"])
    }

    @Test func securityMinded() throws {
        let result = try members(
            #"top("Feature Used" where feature in ["card_freeze", "activity_check", "virtual_card", "cashback", "fx"], feature, last 60d) in ["card_freeze", "activity_check", "virtual_card"]"#
        ) { f in
            func use(_ user: String, _ features: [String]) {
                for (k, feature) in features.enumerated() {
                    f.track(user, "Feature Used", at: now - Int64(k + 1) * day, ["feature": .string(feature)])
                }
            }
            use("m1", ["card_freeze", "card_freeze", "cashback"])
            use("n1", ["cashback", "cashback", "fx"])
            use("m2", ["activity_check", "fx"])  // tie: "activity_check" < "fx"
            use("n2", ["virtual_card", "cashback"])  // tie: "cashback" < "virtual_card"
            use("n3", ["dashboard", "dashboard", "dashboard", "fx"])
            f.track("n4", "Feature Used", at: now - 60 * day, ["feature": "card_freeze"])  // outside
        }
        #expect(result == ["m1", "m2"])
    }

    @Test func investmentIntent() throws {
        let result = try members(
            #"count("Page Viewed" where path contains "/learn/etf", last 30d) >= 2 and not did("Deposit Completed")"#
        ) { f in
            f.page("m", at: now - day, ["path": "/learn/etf-basics"])
            f.page("m", at: now - 2 * day, ["path": "/en/learn/etf"])
            f.page("n1", at: now - day, ["path": "/learn/ETF"])
            f.page("n1", at: now - 2 * day, ["path": "/learn/etf"])
            f.page("n2", at: now - day, ["path": "/learn/etf"])
            f.page("n2", at: now - 2 * day, ["path": "/learn/etf"])
            f.track("n2", "Deposit Completed", at: now - 100 * day)
        }
        #expect(result == ["m"])
    }

    @Test func pricingIntent() throws {
        let result = try members(#"count("Page Viewed" where path = "/pricing", last 7d) >= 3"#) { f in
            for k in 1...3 { f.page("m", at: now - Int64(k) * day, ["path": "/pricing"]) }
            for k in 1...2 { f.page("n", at: now - Int64(k) * day, ["path": "/pricing"]) }
            f.page("n", at: now - day, ["path": "/pricing/"])
            f.page("n", at: now - 7 * day, ["path": "/pricing"])
        }
        #expect(result == ["m"])
    }

    // MARK: Media, eLearning, consumer apps

    @Test func paywall3x() throws {
        let result = try members(#"count("Paywall Hit", last 30d) >= 3 and trait.subscriber != true"#) { f in
            for user in ["m", "n1", "n2"] {
                f.track(user, "Paywall Hit", times: [now - day, now - 2 * day, now - 3 * day])
            }
            f.identify("m", ["subscriber": false], at: now - day)
            f.identify("n1", ["subscriber": true], at: now - day)
            // n2 has no subscriber trait: a comparison with missing is false.
            f.track("n3", "Paywall Hit", times: [now - day, now - 2 * day])
            f.identify("n3", ["subscriber": false], at: now - day)
        }
        #expect(result == ["m"])
    }

    @Test func topicFollowers() throws {
        let result = try members(
            #"top_share("Article Read", topic, last 90d) >= 0.6 and count("Article Read", last 90d) >= 10"#
        ) { f in
            func read(_ user: String, _ topics: [JSONValue?]) {
                for (k, topic) in topics.enumerated() {
                    f.track(user, "Article Read", at: now - Int64(k + 1) * day, topic.map { ["topic": $0] } ?? [:])
                }
            }
            read("m1", Array(repeating: "ai", count: 6) + Array(repeating: "web", count: 4))
            read("n1", Array(repeating: "ai", count: 5) + Array(repeating: "web", count: 5))
            read("m2", Array(repeating: "ai", count: 6) + Array(repeating: "web", count: 4) + [nil, nil])
            read("n2", Array(repeating: "ai", count: 9))
        }
        #expect(result == ["m1", "m2"])
    }

    @Test func inactiveSubscribers() throws {
        let result = try members(#"trait.subscriber = true and not did(any, last 30d)"#) { f in
            f.identify("m1", ["subscriber": true], at: now - 40 * day)
            f.track("m1", "Article Read", at: now - 30 * day)
            f.identify("m2", ["subscriber": true], at: now - 40 * day)
            f.identify("n1", ["subscriber": true], at: now - 40 * day)
            f.track("n1", "Article Read", at: now - 29 * day)
            f.identify("n2", ["subscriber": "true"], at: now - 40 * day)
        }
        #expect(result == ["m1", "m2"])
    }

    @Test func nearCompleters() throws {
        let result = try members(#"max("Course Progress", percent) >= 70 and not did("Logged In", last 7d)"#) { f in
            f.track("m", "Course Progress", at: now - 10 * day, ["percent": 40])
            f.track("m", "Course Progress", at: now - 9 * day, ["percent": 70])
            f.track("m", "Logged In", at: now - 7 * day)
            f.track("n1", "Course Progress", at: now - 10 * day, ["percent": 69.5])
            f.track("n2", "Course Progress", at: now - 10 * day, ["percent": 90])
            f.track("n2", "Logged In", at: now - day)
        }
        #expect(result == ["m"])
    }

    @Test func noFirstLesson() throws {
        let result = try members(#"days_since_first(any) >= 1 and not did("Lesson Completed", first 1d)"#) { f in
            let start = now - 2 * day
            f.track("m", "Signed Up", at: start)
            f.track("m", "Lesson Completed", at: start + day)
            f.track("n1", "Signed Up", at: start)
            f.track("n1", "Lesson Completed", at: start + day - 1)
            f.track("n2", "Signed Up", at: now - 23 * hour)
        }
        #expect(result == ["m"])
    }

    @Test func streakAtRisk() throws {
        let today = t("2026-07-15T00:00:00Z")
        let result = try members(
            #"streak(day, did("Lesson Completed")) >= 50 and not did("Lesson Completed", this day)"#
        ) { f in
            f.track("m", "Lesson Completed", times: (1...50).map { today - Int64($0) * day + 8 * hour })
            f.track("n1", "Lesson Completed", times: (0...50).map { today - Int64($0) * day + 8 * hour })
            f.track("n2", "Lesson Completed", times: (1...49).map { today - Int64($0) * day + 8 * hour })
        }
        #expect(result == ["m"])
    }

    @Test func fitnessChampions() throws {
        let monday = t("2026-07-13T00:00:00Z")
        let result = try members(#"streak(week, count("Workout Completed") >= 5) >= 3"#) { f in
            for (user, counts) in [("m", [5, 5, 5]), ("n", [5, 4, 5]), ("m2", [6, 5, 7])] {
                for (week, count) in counts.enumerated() {
                    let start = monday - Int64(week + 1) * 7 * day
                    f.track(user, "Workout Completed", times: (0..<count).map { start + Int64($0) * hour })
                }
            }
        }
        #expect(result == ["m", "m2"])
    }

    @Test func weekendWarriors() throws {
        // Sunday 2026-07-12 20:00 UTC: weeks [07-06, now], [06-29, 07-06), [06-22, 06-29), [06-15, 06-22).
        let sunday = t("2026-07-12T20:00:00Z")
        let weekends = [
            "2026-07-11", "2026-07-12", "2026-07-04", "2026-07-05", "2026-06-27", "2026-06-28", "2026-06-20",
            "2026-06-21",
        ]
        let result = try members(
            #"count_periods(week, count("Workout Completed") between 2 and 3, 4) = 4 and share("Workout Completed" where $weekday in ["sat", "sun"], of: "Workout Completed", last 4w) = 1"#,
            now: sunday
        ) { f in
            for date in weekends {
                for user in ["m", "n1"] { f.track(user, "Workout Completed", at: t("\(date)T10:00:00Z")) }
            }
            f.track("n1", "Workout Completed", at: t("2026-07-08T10:00:00Z"))  // a Wednesday
            for date in weekends.dropLast() { f.track("n2", "Workout Completed", at: t("\(date)T10:00:00Z")) }
        }
        #expect(result == ["m"])
    }

    @Test func lapsedAfterWeek2() throws {
        let result = try members(
            #"did("Workout Completed", first 7d) and (not did("Workout Completed", from 7d to 14d after first_seen) or not did("Workout Completed", from 14d to 21d after first_seen))"#
        ) { f in
            let start = now - 40 * day
            for user in ["m", "n1", "n2"] { f.track(user, "Signed Up", at: start) }
            f.track("m", "Workout Completed", times: [start + day, start + 8 * day])
            f.track("n1", "Workout Completed", times: [start + day, start + 7 * day, start + 14 * day])
            f.track("n2", "Workout Completed", times: [start + 7 * day, start + 14 * day])
        }
        #expect(result == ["m"])
    }

    // MARK: Accounts

    @Test func activeCollaborators() throws {
        let monday = t("2026-07-13T00:00:00Z")
        let result = try members(#"streak(week, count_distinct("Document Edited", $user) >= 3) >= 2"#, of: .accounts) {
            f in
            for user in ["a1", "a2", "a3"] { f.group(user, "acme", at: now - 60 * day) }
            for user in ["b1", "b2", "b3"] { f.group(user, "beta", at: now - 60 * day) }
            for user in ["a1", "a2", "a3"] {
                f.track(user, "Document Edited", times: [monday + hour, monday - 7 * day + hour])
            }
            // beta: three editors this week, but only two (one editing twice) the week before.
            for user in ["b1", "b2", "b3"] { f.track(user, "Document Edited", at: monday + hour) }
            f.track("b1", "Document Edited", times: [monday - 6 * day, monday - 5 * day])
            f.track("b2", "Document Edited", at: monday - 6 * day)
        }
        #expect(result == ["acme"])
    }

    @Test func highIntentAccounts() throws {
        let result = try members(
            #"count_users(did("Page Viewed" where path = "/pricing", last 14d)) >= 2 and count_users(did("Page Viewed" where path contains "/docs/integrations", last 14d)) >= 1"#,
            of: .accounts
        ) { f in
            for user in ["a1", "a2"] { f.group(user, "acme", at: now - 60 * day) }
            for user in ["b1", "b2"] { f.group(user, "beta", at: now - 60 * day) }
            f.page("a1", at: now - day, ["path": "/pricing"])
            f.page("a2", at: now - 13 * day, ["path": "/pricing"])
            f.page("a2", at: now - day, ["path": "/docs/integrations/slack"])
            f.page("b1", at: now - day, ["path": "/pricing"])
            f.page("b1", at: now - 2 * day, ["path": "/pricing"])  // one user twice counts once
            f.page("b2", at: now - day, ["path": "/docs/integrations"])
        }
        #expect(result == ["acme"])
    }
}
