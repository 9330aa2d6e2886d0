import StrataCore
import StrataEngine
import StrataLanguage
import Testing

/// The columnar timelines: what is kept, and how much memory an event takes.
@Suite struct TimelineTests {
    let now = t("2026-07-01T00:00:00Z")

    @Test func keepsOnlyThePropertiesTheDefinitionsRead() throws {
        var f = Fixture()
        f.segment("big-orders", #"count("Order Completed" where revenue > 100) >= 1"#)
        f.segment("shoes", #"count(any where category = "shoes") >= 1"#)
        f.track("u", "Order Completed", at: now - day, ["revenue": 150, "coupon": "X", "category": "bags"])
        f.track("u", "Page Viewed", at: now - day, ["revenue": 3, "category": "shoes", "url": "/a"])
        let definitions = try f.definitions()
        let needs = DataNeeds(definitions: definitions)
        #expect(needs.properties[["revenue"]] == .named(["Order Completed"]))
        #expect(needs.properties[["category"]] == .all)
        #expect(needs.properties[["coupon"]] == nil)
        let population = f.population(asOf: now, definitions: definitions)
        #expect(Set(population.vocabulary.propertyPaths) == [["revenue"], ["category"]])
        // revenue on the order, category on both: three entries; the page's revenue is not kept.
        #expect(population.vocabulary.strings.sorted() == ["bags", "shoes"])
    }

    @Test func bytesPerEventStayUnderForty() throws {
        var f = Fixture()
        f.segment("spenders", #"sum("Order Completed", revenue, last 30d) > 100"#)
        f.segment("shoppers", #"count("Product Viewed" where category = "shoes") >= 3"#)
        for user in 0..<200 {
            for k in 0..<50 {
                let time = now - Int64((user * 7 + k * 13) % 90) * day - Int64(k) * minute
                switch k % 3 {
                case 0:
                    f.track(
                        "u\(user)", "Order Completed", at: time,
                        ["revenue": .number(Double(k)), "sku": .string("x\(k)")])
                case 1: f.track("u\(user)", "Product Viewed", at: time, ["category": k % 2 == 0 ? "shoes" : "bags"])
                default: f.track("u\(user)", "Logged In", at: time, ["device": "ios"])
                }
            }
        }
        let definitions = try f.definitions()
        let population = f.population(asOf: now, definitions: definitions)
        #expect(population.users.eventCount == 10_000)
        // 8 (time) + 4 (name) + 4 (property range) + 11 per kept property (2/3 of events) + profile ranges.
        #expect(population.bytesPerEvent < 40)
        #expect(population.bytesPerEvent > 16)
    }

    @Test func eventsAreSortedByTimeWhateverTheArrivalOrder() throws {
        var f = Fixture()
        f.track("u", "B", at: now - day)
        f.track("u", "A", at: now - 3 * day)
        f.track("u", "C", at: now - 2 * day)
        let values = try f.values(
            [#"funnel("A", "C", "B", within: 3d)"#, "first_seen", "last_seen"], for: "u", asOf: now)
        #expect(values == [.number(3), .time(now - 3 * day), .time(now - day)])
    }

    @Test func userFieldCountsDistinctUsersOfAnAccountOnly() throws {
        var f = Fixture()
        f.track("u", "A", at: now - day)
        f.track(nil, "A", at: now - day, anonymousId: "anon")
        let values = try f.values([#"count_distinct("A", $user)"#], for: "u", asOf: now)
        #expect(values == [.number(1)])
        #expect(try f.value(#"count_distinct("A", $user)"#, for: "anon", asOf: now) == .number(0))
    }
}
