import Crypto
import StrataLanguage

/// The deterministic choices of activations, reproducible outside Strata: a profile's bucket for a
/// purpose and a scope is the first 8 bytes of SHA-256 of the UTF-8 string
/// `PURPOSE \0 SCOPE \0 PROFILE_ID`, read as a big-endian unsigned integer, modulo 10,000.
public enum Assignment {
    /// The bucket (0 to 9,999) of a profile for a purpose and a scope.
    public static func bucket(purpose: String, scope: String, profile: String) -> Int {
        let digest = SHA256.hash(data: Array("\(purpose)\u{0}\(scope)\u{0}\(profile)".utf8))
        var value: UInt64 = 0
        for byte in digest.prefix(8) { value = value << 8 | UInt64(byte) }
        return Int(value % 10_000)
    }

    /// Whether a profile is in the global control group of a share (basis points) under a salt.
    public static func inGlobalControl(profile: String, salt: String, share: Int) -> Bool {
        bucket(purpose: "global-control", scope: salt, profile: profile) < share
    }

    /// Whether a profile is in an activation's holdout.
    public static func inHoldout(profile: String, activation: String, share: Int) -> Bool {
        bucket(purpose: "holdout", scope: activation, profile: profile) < share
    }

    /// Whether a profile is outside an activation's staged rollout.
    public static func outsideRollout(profile: String, activation: String, share: Int) -> Bool {
        bucket(purpose: "rollout", scope: activation, profile: profile) >= share
    }

    /// The variant of a step for a profile: the variants in file order over their cumulative weights
    /// (percent x 100); nil for a step without variants.
    public static func variant(
        profile: String, activation: String, step: Int, variants: [Activation.Variant]
    ) -> Activation.Variant? {
        guard !variants.isEmpty else { return nil }
        let bucket = bucket(purpose: "variant", scope: "\(activation)/\(step)", profile: profile)
        var cumulative = 0.0
        for variant in variants {
            cumulative += variant.weight * 100
            if Double(bucket) < cumulative { return variant }
        }
        return variants.last
    }
}
