import Foundation
import StrataCore
import StrataDemo
import Testing

@Suite("Generator output")
struct GeneratorTests {
    @Test("the same arguments give the same bytes, in one chunk or many on several threads")
    func deterministic() async throws {
        let configuration = Generator.Configuration(profile: .saas, users: 600, days: 90, seed: 42)
        let first = Generator(configuration).chunk(users: 0..<600).bytes
        let second = Generator(configuration).chunk(users: 0..<600).bytes
        #expect(first == second)
        #expect(first.count > 100_000)

        var streamed: [UInt8] = []
        var order: [Int] = []
        let summary = try await Generator(configuration).run(chunkSize: 37, parallelism: 2) { chunk in
            streamed.append(contentsOf: chunk.bytes)
            order.append(chunk.users.lowerBound)
        }
        #expect(streamed == first)
        #expect(order == Array(stride(from: 0, to: 600, by: 37)))
        #expect(summary.users == 600)
        #expect(summary.bytes == first.count)
        #expect(summary.messages == first.filter { $0 == 0x0A }.count)
    }

    @Test("a different seed gives different data")
    func seedMatters() {
        let one = Generator(.init(profile: .media, users: 200, days: 30, seed: 1)).chunk(users: 0..<200).bytes
        let two = Generator(.init(profile: .media, users: 200, days: 30, seed: 2)).chunk(users: 0..<200).bytes
        #expect(one != two)
        let firstLine = one.prefix { $0 != 0x0A }
        #expect(String(decoding: firstLine, as: UTF8.self).contains("\"messageId\":\"g-1-0-0\""))
    }

    @Test("every line is a JSON object of a known type with a unique messageId g-<seed>-<user>-<n>")
    func wellFormed() throws {
        let data = try Dataset(.saas, users: 2000)
        #expect(data.messages.count == data.lines.count)
        #expect(data.messages.count > 10_000)
        var ids = Set<String>()
        var lastUser = -1
        for message in data.messages {
            let id = try #require(message["messageId"] as? String)
            #expect(ids.insert(id).inserted, "duplicate messageId \(id)")
            #expect(id.hasPrefix("g-7-"))
            let user = try #require(Dataset.user(of: message))
            #expect(user >= lastUser, "messages are grouped by user in user order")
            lastUser = user
            let type = try #require(message["type"] as? String)
            #expect(["track", "identify", "page", "group", "alias"].contains(type))
            #expect(message["userId"] != nil || message["anonymousId"] != nil)
            if type == "track" { #expect(message["event"] is String) }
            if type == "page" {
                let properties = try #require(message["properties"] as? [String: Any])
                #expect((properties["path"] as? String)?.hasPrefix("/") == true)
                #expect(message["name"] is String && properties["url"] is String && properties["title"] is String)
            }
            if type == "alias" { #expect(message["previousId"] is String && message["userId"] is String) }
        }
        #expect(lastUser == 1999)
    }

    @Test("timestamps are ISO 8601 UTC with milliseconds and all fall in (end - days, end]")
    func insideWindow() throws {
        let end = try #require(Instant.parse("2026-03-15T12:30:00Z"))
        for (days, users) in [(90, 2000), (10, 500)] {
            let data = try Dataset(.ecommerce, users: users, days: days, end: end)
            let start = end - Int64(days) * 86_400_000
            var earliest = Int64.max
            var latest = Int64.min
            for message in data.messages {
                let text = try #require(message["timestamp"] as? String)
                #expect(text.count == 24 && text.hasSuffix("Z") && text.dropFirst(19).hasPrefix("."))
                let time = try #require(Dataset.time(of: message))
                earliest = min(earliest, time)
                latest = max(latest, time)
            }
            #expect(earliest > start)
            #expect(latest <= end)
            #expect(earliest < start + 86_400_000, "activity starts on the first day")
            #expect(latest > end - 86_400_000, "activity reaches the last day")
        }
    }

    @Test("every Order Completed carries a numeric revenue, an order_id and a product count")
    func orders() throws {
        let data = try Dataset(.ecommerce, users: 2000)
        let orders = data.events.filter { $0.name == "Order Completed" }
        #expect(orders.count > 50)
        var orderIds = Set<String>()
        for order in orders {
            let revenue = try #require(Dataset.number(order.properties["revenue"]))
            #expect(revenue > 0)
            let id = try #require(order.properties["order_id"] as? String)
            #expect(orderIds.insert(id).inserted)
            #expect((Dataset.number(order.properties["products"]) ?? 0) >= 1)
        }
    }

    @Test("activity is heavy-tailed: a median user is light, the top 1% carry a large share")
    func heavyTail() throws {
        let data = try Dataset(.saas, users: 2000)
        var perUser = [Int](repeating: 0, count: 2000)
        for message in data.messages {
            if let user = Dataset.user(of: message) { perUser[user] += 1 }
        }
        let sorted = perUser.sorted()
        #expect(sorted[0] >= 1, "every user sends something")
        #expect(sorted[1000] <= 20)
        #expect(sorted[1999] >= 300)
        let top = sorted.suffix(20).reduce(0, +)
        #expect(Double(top) / Double(data.messages.count) > 0.1)
    }

    @Test("invalid configurations are refused with a message naming the value")
    func validation() {
        #expect(throws: Generator.ConfigurationError.self) {
            try Generator.Configuration(profile: .saas, users: 0, days: 90, seed: 1).validate()
        }
        do {
            try Generator.Configuration(profile: .saas, users: 10, days: 0, seed: 1).validate()
            Issue.record("days 0 was accepted")
        } catch {
            #expect(error.message == "days must be between 1 and 3650, got 0")
        }
        #expect(throws: Never.self) {
            try Generator.Configuration(profile: .media, users: 1, days: 3650, seed: 1).validate()
        }
        #expect(Generator.Profile(rawValue: "ecommerce") == .ecommerce)
        #expect(Generator.Profile.allCases.map(\.rawValue) == ["saas", "ecommerce", "media"])
    }
}
