// The real-time engine's cost per message, in process: no HTTP, no store writes, no other load.
//
// Starts a `LiveEngine` over a workspace's stored messages (as the server's first start does), then
// feeds it ROUNDS batches of BATCH "Feature Used" events, each for a random existing user `u-0` to
// `u-{USERS-1}` (as `strata generate` names them), and prints the cost per message for every 100
// batches, with how many held messages evaluation read per message. Halfway, it takes a snapshot of
// the engine (as the server does every 100,000 messages), encodes it on another thread at the lowest
// priority with a quarter of a core (as the server does; at the usual priority and full speed with
// LIVE_REPLAY_SNAPSHOT_PRIORITY=normal; not at all, only keeping it, with =none), and reports
// how long the five batches before it and the fifteen after it took, and the encoding: the engine's
// tables are then shared with the snapshot, the first change to each shard of one copies the shard,
// and the encoding competes with the engine. With LIVE_REPLAY_HELD=N the engine holds at most N
// messages, reading the others back from the store as the server does (by default it holds all).
// A benchmark, not a test: it asserts nothing about time.
//
// Usage: live-replay WORKSPACE [ROUNDS] [BATCH] [USERS]   (defaults 1000, 400, 100000)
// Pin it to one core (`taskset -c 1`) for figures that compare across runs.

import Foundation
import StrataCore
import StrataEngine
import StrataLanguage
import StrataRuntime
import StrataStore

/// A small deterministic generator (a 64-bit LCG with its high bits folded in), so that every run
/// feeds the same users.
struct Congruential: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return state ^ (state >> 33)
    }
}

func argument(_ index: Int, default value: Int) -> Int {
    guard CommandLine.arguments.count > index else { return value }
    guard let number = Int(CommandLine.arguments[index]), number > 0 else {
        FileHandle.standardError.write(Data("live-replay: argument \(index) must be a positive integer\n".utf8))
        exit(2)
    }
    return number
}

guard CommandLine.arguments.count > 1 else {
    FileHandle.standardError.write(Data("usage: live-replay WORKSPACE [ROUNDS] [BATCH] [USERS]\n".utf8))
    exit(2)
}
let (rounds, batchSize, users) = (argument(2, default: 1_000), argument(3, default: 400), argument(4, default: 100_000))
let root = URL(fileURLWithPath: CommandLine.arguments[1])
let workspace = try Workspace(root: root)
let store = try Runtime.open(workspace).store
let definitions = Definitions.load(DefinitionFiles.read(from: root))
let keys = DataNeeds(definitions: definitions).payloadKeys

var lastSequence: Int64 = 0
var latest: Int64 = 0
try store.forEachMessage(includingContext: false, payloadKeys: keys) { _, message in
    latest = max(latest, message.receivedAt, message.time)
}
var now = latest + 1_000
let started = ContinuousClock.now
let capacity = ProcessInfo.processInfo.environment["LIVE_REPLAY_HELD"].flatMap { Int($0) }
/// The messages fed to the engine, which the store does not have: a cluster read back gets them here.
final class Fed {
    var messages: [Int64: Message] = [:]
}
let fed = Fed()
let engine = try LiveEngine.start(
    definitions: definitions, zone: workspace.config.timezone, now: now,
    source: capacity.map { _ in
        { sequences in
            let stored = try store.messages(sequences: sequences, payloadKeys: keys)
            return stored + sequences.compactMap { sequence in fed.messages[sequence].map { (sequence, $0) } }
        }
    },
    capacity: capacity ?? LiveEngine.defaultCapacity,
    scan: { body in
        try store.forEachMessage(includingContext: false, payloadKeys: keys) { sequence, message in
            lastSequence = sequence
            body(sequence, message)
        }
    })
print("started in \(ContinuousClock.now - started), holding \(engine.heldMessages) messages")

var random = Congruential(state: 42)
var elapsed = Duration.zero
var taken = 0
var changes = 0
var evaluated = engine.evaluatedMessages
/// The snapshot, kept unencoded until the end with LIVE_REPLAY_SNAPSHOT_PRIORITY=none.
var held: LiveEngine.Snapshot?
for round in 1...rounds {
    var batch: [(sequence: Int64, message: Message)] = []
    for i in 0..<batchSize {
        lastSequence += 1
        now += 1
        batch.append(
            (
                lastSequence,
                Message(
                    kind: .track, messageId: "replay-\(round)-\(i)",
                    userId: "u-\(Int.random(in: 0..<users, using: &random))",
                    event: "Feature Used", properties: ["feature": .string("reports")], timestamp: now, receivedAt: now)
            ))
    }
    now += 100
    if capacity != nil { for (sequence, message) in batch { fed.messages[sequence] = message } }
    let snapshot = round == rounds / 2 ? engine.snapshot(fingerprint: "", sequence: lastSequence, anchor: "") : nil
    if let snapshot {
        let encode: @Sendable (Bool) -> Void = { paced in
            let began = ContinuousClock.now
            let bytes = snapshot.encoded(pausing: paced ? LowPriorityThread.pacer(share: 0.25) : nil)
            print("snapshot encoded in \(ContinuousClock.now - began): \(bytes.count) bytes")
        }
        switch ProcessInfo.processInfo.environment["LIVE_REPLAY_SNAPSHOT_PRIORITY"] {
        case "none": held = snapshot
        case "normal": Thread.detachNewThread { encode(false) }
        default: LowPriorityThread.run { encode(true) }
        }
    }
    let start = ContinuousClock.now
    changes += try engine.ingest(batch, at: now).count
    let step = ContinuousClock.now - start
    elapsed += step
    if let snapshot {
        print("batch \(round), just after a snapshot at message \(snapshot.sequence): \(step)")
    } else if round > rounds / 2 - 5, round <= rounds / 2 + 15 {
        print("batch \(round): \(step)")
    }
    taken += batchSize
    if round % 100 == 0 || round == rounds {
        let micros = Double(elapsed.components.seconds) * 1e6 + Double(elapsed.components.attoseconds) / 1e12
        let read = Double(engine.evaluatedMessages - evaluated) / Double(taken)
        print(
            String(
                format: "batches to %d: %.1f us per message, %d changes, %.1f held messages evaluated per message",
                round, micros / Double(taken), changes, read))
        (elapsed, taken, changes, evaluated) = (.zero, 0, 0, engine.evaluatedMessages)
    }
}
if let held { print("the snapshot at message \(held.sequence) was kept, not encoded") }
