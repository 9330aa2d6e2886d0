import Foundation
import StrataDemo
import Testing

@Suite("Identity and accounts")
struct IdentityTests {
    @Test("about 30% of users start anonymous; an identify with both ids links them; some never identify")
    func anonymousFirst() throws {
        let data = try Dataset(.ecommerce, users: 2000)
        var byUser: [Int: [[String: Any]]] = [:]
        for message in data.messages {
            if let user = Dataset.user(of: message) { byUser[user, default: []].append(message) }
        }
        var linked = 0
        var forever = 0
        for (_, messages) in byUser {
            guard messages.first?["userId"] == nil else { continue }
            let link = messages.firstIndex {
                $0["type"] as? String == "identify" && $0["userId"] != nil && $0["anonymousId"] != nil
            }
            guard let link else {
                #expect(messages.allSatisfy { $0["userId"] == nil })
                forever += 1
                continue
            }
            linked += 1
            let anonymousId = try #require(messages[link]["anonymousId"] as? String)
            #expect(messages[..<link].allSatisfy { $0["anonymousId"] as? String == anonymousId && $0["userId"] == nil })
            // After the identify, analytics.js style: both ids on every message (alias aside).
            for message in messages[link...] where message["type"] as? String != "alias" {
                #expect(message["userId"] is String && message["anonymousId"] as? String == anonymousId)
            }
        }
        let share = Double(linked + forever) / 2000
        #expect(share > 0.2 && share < 0.4, "anonymous-first share \(share)")
        #expect(linked > 200)
        #expect(forever > 40)
        let aliases = data.messages.filter { $0["type"] as? String == "alias" }
        #expect(!aliases.isEmpty)
    }

    @Test("group calls link several users to accounts with account traits")
    func accounts() throws {
        let data = try Dataset(.saas, users: 2000)
        var members: [String: Set<String>] = [:]
        for message in data.messages where message["type"] as? String == "group" {
            let groupId = try #require(message["groupId"] as? String)
            let userId = try #require(message["userId"] as? String)
            members[groupId, default: []].insert(userId)
            let traits = try #require(message["traits"] as? [String: Any])
            #expect(traits["name"] is String && traits["industry"] is String && traits["plan"] is String)
            #expect(Dataset.number(traits["employees"]) != nil)
        }
        #expect(members.count > 100)
        #expect(members.values.allSatisfy { (2...20).contains($0.count) })
        #expect(members.values.filter { $0.count >= 5 }.count > 20)
        #expect(members.values.contains { $0.count >= 15 })
    }
}
