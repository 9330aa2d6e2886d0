import Foundation

/// A small seeded generator (xoshiro256**, seeded through SplitMix64): the demo's only source of randomness.
///
/// Every user, account and block gets its own stream derived from the run's seed, so users can be
/// generated independently, in any order and on any thread, and still come out byte-identical.
struct RandomSource {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    /// Seeds the four state words from one 64-bit seed through SplitMix64.
    init(seed: UInt64) {
        var state = seed
        s0 = Self.splitMix(&state)
        s1 = Self.splitMix(&state)
        s2 = Self.splitMix(&state)
        s3 = Self.splitMix(&state)
    }

    /// A stream for one (seed, purpose, index) triple.
    init(seed: UInt64, stream: UInt64, index: UInt64) {
        self.init(seed: Self.hash(seed, stream, index))
    }

    /// One SplitMix64 step.
    static func splitMix(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Mixes three words into one well-spread seed.
    static func hash(_ a: UInt64, _ b: UInt64, _ c: UInt64) -> UInt64 {
        var state = a
        let first = splitMix(&state)
        state = first ^ (b &* 0xD6E8_FEB8_6659_FD93)
        let second = splitMix(&state)
        state = second ^ (c &* 0xA076_1D64_78BD_642F)
        return splitMix(&state)
    }

    @inline(__always)
    private static func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 {
        (x << k) | (x >> (64 - k))
    }

    /// The next 64 random bits.
    @inline(__always)
    mutating func next() -> UInt64 {
        let result = Self.rotate(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = Self.rotate(s3, 45)
        return result
    }

    /// Uniform in [0, 1).
    @inline(__always)
    mutating func unit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Uniform in 0..<bound; 0 when bound is not positive.
    @inline(__always)
    mutating func below(_ bound: Int) -> Int {
        guard bound > 0 else { return 0 }
        return Int(truncatingIfNeeded: next().multipliedFullWidth(by: UInt64(bound)).high)
    }

    /// Uniform in 0..<bound for 64-bit spans such as milliseconds; 0 when bound is not positive.
    @inline(__always)
    mutating func below(_ bound: Int64) -> Int64 {
        guard bound > 0 else { return 0 }
        return Int64(truncatingIfNeeded: next().multipliedFullWidth(by: UInt64(bound)).high)
    }

    /// Uniform in low...high.
    @inline(__always)
    mutating func between(_ low: Int, _ high: Int) -> Int {
        low + below(high - low + 1)
    }

    /// True with probability p.
    @inline(__always)
    mutating func chance(_ p: Double) -> Bool {
        unit() < p
    }

    /// A standard normal deviate (Box-Muller, one of the pair).
    mutating func normal() -> Double {
        let u1 = 1.0 - unit()
        let u2 = unit()
        return (-2.0 * log(u1)).squareRoot() * cos(2.0 * Double.pi * u2)
    }

    /// An exponential deviate with the given mean.
    mutating func exponential(mean: Double) -> Double {
        -log(1.0 - unit()) * mean
    }

    /// A geometric count of failures (0, 1, 2...) with the given mean.
    mutating func geometric(mean: Double) -> Int {
        guard mean > 0 else { return 0 }
        let q = mean / (1.0 + mean)
        let value = log(1.0 - unit()) / log(q)
        return value < 1_000_000 ? Int(value) : 1_000_000
    }

    /// A Poisson count with a small mean (Knuth's method).
    mutating func poisson(mean: Double) -> Int {
        guard mean > 0 else { return 0 }
        let limit = exp(-min(mean, 30))
        var product = unit()
        var count = 0
        while product > limit {
            count += 1
            product *= unit()
        }
        return count
    }
}
