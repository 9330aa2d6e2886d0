import StrataActivation
import StrataLanguage
import Testing

/// The bucket formula of the activation spec, against values computed with Python's hashlib:
/// `int.from_bytes(sha256(f"{purpose}\0{scope}\0{profile}".encode()).digest()[:8], "big") % 10000`.
struct AssignmentTests {
    @Test(
        arguments: [
            ("global-control", "acme", "ann", 3092), ("global-control", "acme", "bob", 7604),
            ("global-control", "acme", "cy", 3532), ("holdout", "cart-recovery", "ann", 6434),
            ("holdout", "cart-recovery", "bob", 9101), ("holdout", "cart-recovery", "cy", 6341),
            ("rollout", "cart-recovery", "bob", 2341), ("variant", "cart-recovery/0", "ann", 5367),
            ("variant", "cart-recovery/0", "bob", 8827), ("variant", "cart-recovery/0", "cy", 1596),
        ])
    func bucketsMatchTheSpecFormula(purpose: String, scope: String, profile: String, bucket: Int) {
        #expect(Assignment.bucket(purpose: purpose, scope: scope, profile: profile) == bucket)
    }

    @Test func sharesCompareWithTheBucket() {
        // ann's global-control bucket is 3092: in at 30.93%, out at 30.92%.
        #expect(Assignment.inGlobalControl(profile: "ann", salt: "acme", share: 3093))
        #expect(!Assignment.inGlobalControl(profile: "ann", salt: "acme", share: 3092))
        // bob's holdout bucket is 9101.
        #expect(Assignment.inHoldout(profile: "bob", activation: "cart-recovery", share: 9102))
        #expect(!Assignment.inHoldout(profile: "bob", activation: "cart-recovery", share: 9101))
        // bob's rollout bucket is 2341: outside a 23.41% rollout, inside 23.42%.
        #expect(Assignment.outsideRollout(profile: "bob", activation: "cart-recovery", share: 2341))
        #expect(!Assignment.outsideRollout(profile: "bob", activation: "cart-recovery", share: 2342))
    }

    @Test func variantsTakeCumulativeWeightsInFileOrder() {
        let variants = [
            Activation.Variant(name: "a", weight: 20, template: nil),
            Activation.Variant(name: "b", weight: 30, template: nil),
            Activation.Variant(name: "c", weight: 50, template: nil),
        ]
        // Buckets: cy 1596 (< 2000: a), ann 5367 and bob 8827 (>= 5000: c).
        let names = ["cy", "ann", "bob"].map {
            Assignment.variant(profile: $0, activation: "cart-recovery", step: 0, variants: variants)?.name
        }
        #expect(names == ["a", "c", "c"])
        #expect(Assignment.variant(profile: "cy", activation: "cart-recovery", step: 0, variants: []) == nil)
    }
}
