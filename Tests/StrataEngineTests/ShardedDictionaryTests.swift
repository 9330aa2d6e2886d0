import Testing

@testable import StrataEngine

/// The live engine's tables are sharded dictionaries: they must behave exactly as one Swift
/// dictionary, and a copy (a snapshot's) must not see later changes.
@Suite("Sharded dictionary")
struct ShardedDictionaryTests {
    /// A small deterministic generator, so that a failure can be replayed.
    struct Steps: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state ^ (state >> 29)
        }
    }

    @Test("20,000 random inserts, appends, removals and reads agree with a Swift dictionary")
    func agreesWithDictionary() {
        var random = Steps(state: 7)
        var table = ShardedDictionary<String, [Int64]>()
        var model: [String: [Int64]] = [:]
        for step in 0..<20_000 {
            let key = "u:\(Int.random(in: 0..<3_000, using: &random))"
            switch Int.random(in: 0..<4, using: &random) {
            case 0:
                table[key] = [Int64(step)]
                model[key] = [Int64(step)]
            case 1:
                table[key, default: []].append(Int64(step))
                model[key, default: []].append(Int64(step))
            case 2:
                #expect(table.removeValue(forKey: key) == model.removeValue(forKey: key))
            default:
                #expect(table[key] == model[key])
            }
        }
        #expect(table.count == model.count)
        #expect(model.count > 1_000)
        var seen: [String: [Int64]] = [:]
        for (key, value) in table {
            #expect(seen.updateValue(value, forKey: key) == nil, "each key once")
        }
        #expect(seen == model)
        let counts = table.mapValues(\.count)
        #expect(Dictionary(uniqueKeysWithValues: counts.map { ($0.key, $0.value) }) == model.mapValues(\.count))
    }

    @Test("a copy keeps its keys and values when the original changes afterwards, and the reverse")
    func copiesAreIndependent() {
        var table = ShardedDictionary<String, Int64>()
        for index in 0..<10_000 { table["a:\(index)"] = Int64(index) }
        let snapshot = table
        table["a:1"] = -1
        table.removeValue(forKey: "a:2")
        table["a:new"] = 7
        // Enough new keys to split every shard of the copy's time again.
        for index in 0..<20_000 { table["b:\(index)", default: 0] += Int64(index) }
        #expect(table.shardCount > 2 * snapshot.shardCount)
        #expect(snapshot["a:1"] == 1)
        #expect(snapshot["a:2"] == 2)
        #expect(snapshot["a:new"] == nil)
        #expect(snapshot.count == 10_000)
        #expect(snapshot.reduce(0) { $0 + $1.value } == 49_995_000)
        #expect(table["a:1"] == -1)
        #expect(table["a:2"] == nil)
        #expect(table.count == 30_000)
        #expect(table["b:19999"] == 19_999)
    }

    @Test("a shard is split each time the keys pass 48 a shard, and every key stays found")
    func shardsAreSplitAsKeysCome() {
        var table = ShardedDictionary<String, Int>()
        for index in 0..<48 { table["k:\(index)"] = index }
        #expect(table.shardCount == 1)
        table["k:48"] = 48
        #expect(table.shardCount == 2)
        for index in 49..<100_000 { table["k:\(index)", default: 0] += index }
        // 100,000 / 48 = 2,083.3
        #expect(table.shardCount == 2_084)
        #expect(table.count == 100_000)
        #expect((0..<100_000).allSatisfy { (index: Int) in table["k:\(index)"] == index })
        // Removals leave the shards as they are; keys added back split none.
        for index in 0..<50_000 { #expect(table.removeValue(forKey: "k:\(index)") == index) }
        #expect(table.removeValue(forKey: "k:0") == nil)
        #expect(table.count == 50_000)
        for index in 0..<50_000 { table["k:\(index)"] = -index }
        #expect(table.shardCount == 2_084)
        #expect(table.count == 100_000)
        #expect(table["k:49999"] == -49_999)
        #expect(table["k:50000"] == 50_000)

        var reserved = ShardedDictionary<String, Int>()
        reserved.reserveCapacity(1_000)
        #expect(reserved.shardCount == 21)
        var freed = ShardedDictionary<String, Int>()
        for index in 0..<10_000 { freed["f:\(index)"] = index }
        var pauses = 0
        freed.removeAll { pauses += 1 }
        #expect(pauses == 2)
        #expect(freed.count == 0 && freed.shardCount == 1 && freed["f:1"] == nil)
    }
}
