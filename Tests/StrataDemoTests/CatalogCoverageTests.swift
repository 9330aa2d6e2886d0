import Foundation
import StrataDemo
import Testing

/// Every event name and property that CATALOG.md uses, written out by hand from the catalog.
enum Catalog {
    static let events: [String] = [
        "Core Feature Used", "Session Ended", "Demo Attended", "Trial Extension Requested", "Logged In",
        "Plan Upgraded", "Document Created", "Teammate Invited", "Report Run", "Onboarding Step Completed",
        "Workflow Completed", "Feature Used", "API Connected", "Email Opened", "Email Link Clicked",
        "Premium Feature Used", "Session Started", "Payment Succeeded", "Trial Started", "Product Added",
        "Order Completed", "Product Viewed", "Page Viewed", "Deposit Completed", "Paywall Hit", "Article Read",
        "Course Progress", "Lesson Completed", "Workout Completed", "Document Edited",
        // Models: SaaS RFM, the churn label, score inputs.
        "Paid Feature Used", "Subscription Cancelled", "Ticket Rated", "Upgrade Viewed", "Billing Ticket",
        "Competitor Mentioned",
    ]

    /// (event, property) pairs the catalog reads.
    static let properties: [(String, String)] = [
        ("Session Ended", "duration_hours"), ("Onboarding Step Completed", "step"), ("Feature Used", "feature"),
        ("Email Opened", "campaign"), ("Email Link Clicked", "campaign"), ("Email Link Clicked", "link"),
        ("Product Viewed", "category"), ("Product Added", "category"), ("Order Completed", "revenue"),
        ("Page Viewed", "path"), ("Article Read", "topic"), ("Course Progress", "percent"),
        ("Ticket Rated", "sentiment"),
    ]

    /// (event, property, value) triples the catalog compares against.
    static let values: [(String, String, String)] = [
        ("Email Opened", "campaign", "analytics"), ("Email Link Clicked", "campaign", "analytics"),
        ("Email Link Clicked", "link", "demo"), ("Product Viewed", "category", "shoes"),
        ("Feature Used", "feature", "card_freeze"), ("Feature Used", "feature", "activity_check"),
        ("Feature Used", "feature", "virtual_card"), ("Feature Used", "feature", "cashback"),
        ("Feature Used", "feature", "fx"), ("Page Viewed", "path", "/pricing"),
        ("Page Viewed", "path", "/learn/etf-basics"), ("Page Viewed", "path", "/docs/integrations/slack"),
    ]

    static let numericProperties: Set<String> = ["duration_hours", "step", "revenue", "percent", "sentiment"]
}

@Suite("Catalog coverage")
struct CatalogCoverageTests {
    @Test(
        "a 2,000-user 90-day run emits every catalog event, property and compared value",
        arguments: Generator.Profile.allCases)
    func coverage(profile: Generator.Profile) throws {
        let data = try Dataset(profile, users: 2000)
        var names = Set<String>()
        var seen = Set<String>()
        for event in data.events {
            names.insert(event.name)
            for (key, value) in event.properties {
                seen.insert(event.name + "." + key)
                if let text = value as? String { seen.insert(event.name + "." + key + "=" + text) }
                if Catalog.numericProperties.contains(key) {
                    #expect(Dataset.number(value) != nil, "\(event.name).\(key) is not a number")
                }
            }
        }
        for name in Catalog.events {
            #expect(names.contains(name), "\(profile): no \(name)")
        }
        for (event, property) in Catalog.properties {
            #expect(seen.contains(event + "." + property), "\(profile): no \(event).\(property)")
        }
        for (event, property, value) in Catalog.values {
            #expect(seen.contains(event + "." + property + "=" + value), "\(profile): no \(event) \(property)=\(value)")
        }
        let steps = Set(
            data.events.filter { $0.name == "Onboarding Step Completed" }.compactMap {
                Dataset.number($0.properties["step"])
            })
        #expect(steps == Set((1...8).map(Double.init)))
        let sentiments = data.events.filter { $0.name == "Ticket Rated" }.compactMap {
            Dataset.number($0.properties["sentiment"])
        }
        #expect(sentiments.allSatisfy { (-1...1).contains($0) })
        #expect(sentiments.contains { $0 < 0 } && sentiments.contains { $0 > 0 })
        let percents = data.events.filter { $0.name == "Course Progress" }.compactMap {
            Dataset.number($0.properties["percent"])
        }
        #expect(percents.allSatisfy { (0...100).contains($0) } && percents.contains { $0 >= 70 })
    }

    @Test(
        "identify traits carry plan, industry, employees, mrr, subscriber, email and name",
        arguments: Generator.Profile.allCases)
    func traits(profile: Generator.Profile) throws {
        let data = try Dataset(profile, users: 2000)
        let identifies = data.messages.filter { $0["type"] as? String == "identify" }
        #expect(identifies.count > 1000)
        var plans = Set<String>()
        var industries = Set<String>()
        var subscribers = Set<Bool>()
        for message in identifies {
            let traits = try #require(message["traits"] as? [String: Any])
            plans.insert(try #require(traits["plan"] as? String))
            industries.insert(try #require(traits["industry"] as? String))
            #expect(Dataset.number(traits["employees"]) != nil && Dataset.number(traits["mrr"]) != nil)
            #expect(Dataset.isBoolean(traits["subscriber"]))
            subscribers.insert((traits["subscriber"] as? Bool) == true)
            #expect((traits["email"] as? String)?.contains("@") == true)
            #expect(traits["name"] is String)
        }
        #expect(plans == ["free", "trial", "pro", "enterprise"])
        #expect(industries.contains("manufacturing"))
        #expect(subscribers == [true, false])
    }

    @Test("plans change over time: each Plan Upgraded is followed by an identify carrying the new plan")
    func planUpgrades() throws {
        let data = try Dataset(.saas, users: 2000)
        var plansByUser: [Int: [(time: Int64, plan: String)]] = [:]
        var upgrades: [(user: Int, time: Int64, plan: String)] = []
        for message in data.messages {
            guard let user = Dataset.user(of: message), let time = Dataset.time(of: message) else { continue }
            if message["type"] as? String == "identify",
                let plan = (message["traits"] as? [String: Any])?["plan"] as? String
            {
                plansByUser[user, default: []].append((time, plan))
            }
            if message["event"] as? String == "Plan Upgraded",
                let plan = (message["properties"] as? [String: Any])?["to_plan"] as? String
            {
                upgrades.append((user, time, plan))
            }
        }
        #expect(upgrades.count > 10)
        for upgrade in upgrades {
            let later = (plansByUser[upgrade.user] ?? []).filter { $0.time >= upgrade.time }
            #expect(later.first?.plan == upgrade.plan, "user \(upgrade.user) upgraded to \(upgrade.plan)")
        }
        let changed = plansByUser.values.filter { Set($0.map(\.plan)).count > 1 }
        #expect(changed.count > 20)
    }
}
