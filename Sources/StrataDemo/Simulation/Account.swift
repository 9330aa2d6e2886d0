import Foundation

/// A business account and one user's place in it.
///
/// Users are cut into blocks of 64 consecutive indices; each block is partitioned into accounts of
/// 2-20 users (heavy-tailed) from the block's own random stream, so any user finds its account
/// without looking at any other user.
struct Account {
    static let blockSize = 64
    /// The Pareto(2, 1.4) probability of a size below 21.
    static let sizeMass = 1.0 - pow(2.0 / 21.0, 1.4)

    /// Unique number of the account (the index of its first user), written as `acct-<number>`.
    let number: Int
    let size: Int
    /// This user's position among the members, 0 first.
    let position: Int
    let industry: Int32
    let employees: Int32
    /// Plan code (0 free, 1 trial, 2 pro, 3 enterprise).
    let plan: UInt8
    /// Whether a trialing account converts when the trial ends.
    let converts: Bool
    /// Members edit documents together every week (plants active-collaborators).
    let collaborative: Bool
    /// Members look at pricing and integration docs lately (plants high-intent-accounts).
    let evaluating: Bool
    let nameFirst: Int32
    let nameSecond: Int32

    /// The business account of `user`, or nil when the user is a consumer.
    static func of(user: Int, context: Context) -> Account? {
        let block = user / blockSize
        let offset = user % blockSize
        var rng = RandomSource(seed: context.seed, stream: 2, index: UInt64(block))
        var position = 0
        while position < blockSize {
            // Pareto truncated to [2, 21): P(size >= k) is about (2 / k)^1.4.
            let drawn = 2.0 * pow(1.0 - rng.unit() * Self.sizeMass, -1.0 / 1.4)
            var size = min(20, Int(drawn))
            if position + size > blockSize { size = blockSize - position }
            let business = rng.chance(context.businessShare)
            if offset < position + size {
                guard business, size >= 2 else { return nil }
                return Account(
                    number: block * blockSize + position, size: size, position: offset - position, context: context)
            }
            position += size
        }
        return nil
    }

    private init(number: Int, size: Int, position: Int, context: Context) {
        self.number = number
        self.size = size
        self.position = position
        var rng = RandomSource(seed: context.seed, stream: 3, index: UInt64(number))
        industry = Int32(context.industryWeights.pick(&rng))
        let employees = exp(4.2 + 1.3 * rng.normal()) * (1.0 + Double(size) / 10.0)
        self.employees = Int32(min(100_000, max(Double(size), employees.rounded())))
        plan = UInt8(context.accountPlanWeights.pick(&rng))
        converts = rng.chance(0.45)
        collaborative = size >= 3 && rng.chance(0.12)
        evaluating = rng.chance(0.12)
        nameFirst = Int32(rng.below(Vocabulary.companyFirst.count))
        nameSecond = Int32(rng.below(Vocabulary.companySecond.count))
    }
}
