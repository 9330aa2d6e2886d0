/// Deterministic, realistic demo data: Segment-spec messages (track, identify, page, group, alias)
/// as JSONL, one message per line.
///
/// Pure: no clock, no global randomness. Each user is simulated from a stream derived from the seed
/// and the user's index, so `chunk(users:)` can run on any thread and `run` concatenates chunks in
/// user order; the same configuration always yields the same bytes.
///
/// ```swift
/// let generator = Generator(Generator.Configuration(profile: .saas, users: 1000, days: 90, seed: 7))
/// let summary = try await generator.run { chunk in write(chunk.bytes) }
/// ```
public struct Generator: Sendable {
    /// What this generator produces.
    public let configuration: Configuration
    let context: Context

    /// A generator for a configuration (validate it first with `Configuration.validate()`).
    public init(_ configuration: Configuration) {
        self.configuration = configuration
        self.context = Context(configuration)
    }

    /// The messages of a range of users (clamped to the configured users), in user order.
    public func chunk(users range: Range<Int>) -> Chunk {
        let users = range.clamped(to: 0..<configuration.users)
        var writer = ByteWriter(capacity: max(users.count, 1) * 4096)
        var simulation = UserSimulation(context: context)
        var messages = 0
        for user in users {
            simulation.simulate(user: user)
            messages += simulation.write(into: &writer)
        }
        return Chunk(users: users, messages: messages, bytes: writer.bytes())
    }

    /// Generates every user in chunks of `chunkSize`, up to `parallelism` chunks at a time,
    /// handing them to `sink` strictly in user order, and returns the totals.
    public func run(
        chunkSize: Int = 1024, parallelism: Int = 2,
        sink: (Chunk) async throws -> Void
    ) async throws -> Summary {
        let size = max(1, chunkSize)
        let total = configuration.users
        let chunkCount = (total + size - 1) / size
        let window = max(1, parallelism) * 2
        var summary = Summary()
        try await withThrowingTaskGroup(of: (Int, Chunk).self) { group in
            var next = 0
            var emitted = 0
            var ready: [Int: Chunk] = [:]
            func start(_ index: Int) {
                let lower = index * size
                let upper = min(total, lower + size)
                group.addTask { (index, self.chunk(users: lower..<upper)) }
            }
            while next < chunkCount && next < window {
                start(next)
                next += 1
            }
            while let (index, chunk) = try await group.next() {
                ready[index] = chunk
                while let chunk = ready.removeValue(forKey: emitted) {
                    try await sink(chunk)
                    summary.users += chunk.users.count
                    summary.messages += chunk.messages
                    summary.bytes += chunk.bytes.count
                    emitted += 1
                }
                while next < chunkCount && next - emitted < window {
                    start(next)
                    next += 1
                }
            }
        }
        return summary
    }
}
