/// Small non-cryptographic hashes for content identity (not for secrets).
public enum Hash {
    /// Two 64-bit hashes of some bytes: two multiply-rotate lanes with distinct seeds, then a final
    /// avalanche. For content identity, not for unique keys: a lane only multiplies and rotates each
    /// word in, so a change in the top byte of one word can cancel one in the next, and ids such as
    /// `g-1-11410-14` and `g-1-11490-19` share the first lane.
    public static func hash128(_ bytes: [UInt8]) -> (UInt64, UInt64) {
        bytes.withUnsafeBufferPointer { hash128($0) }
    }

    /// Two 64-bit hashes of the bytes in a buffer.
    public static func hash128(_ bytes: UnsafeBufferPointer<UInt8>) -> (UInt64, UInt64) {
        var hasher = Hasher128()
        hasher.add(bytes)
        return hasher.finish()
    }

    /// ``hash128(_:)`` of bytes given in pieces: the same hashes as of the pieces joined.
    public struct Hasher128 {
        private var a: UInt64 = 0xcbf2_9ce4_8422_2325
        private var b: UInt64 = 0x9e37_79b9_7f4a_7c15
        private var word: UInt64 = 0
        private var filled: UInt64 = 0
        private var count: UInt64 = 0

        /// A hasher that has seen no bytes.
        public init() {}

        /// Adds one byte.
        public mutating func add(_ byte: UInt8) {
            // Eight bytes at a time: two multiply-rotate lanes with distinct constants.
            word |= UInt64(byte) << (8 * filled)
            filled += 1
            count += 1
            if filled == 8 {
                a = ((a ^ word) &* 0x9e37_79b9_7f4a_7c15).rotatedLeft(by: 29)
                b = ((b ^ word) &* 0xc2b2_ae3d_27d4_eb4f).rotatedLeft(by: 31)
                word = 0
                filled = 0
            }
        }

        /// Adds the bytes of a buffer.
        public mutating func add(_ bytes: UnsafeBufferPointer<UInt8>) {
            for byte in bytes { add(byte) }
        }

        /// Adds the bytes of an array.
        public mutating func add(_ bytes: [UInt8]) {
            bytes.withUnsafeBufferPointer { add($0) }
        }

        /// Adds the UTF-8 bytes of a string.
        public mutating func add(_ text: String) {
            var text = text
            text.withUTF8 { add($0) }
        }

        /// The two hashes of every byte added.
        public func finish() -> (UInt64, UInt64) {
            let a = ((a ^ word) &* 0x9e37_79b9_7f4a_7c15).rotatedLeft(by: 29)
            let b = ((b ^ word ^ 0xff) &* 0xc2b2_ae3d_27d4_eb4f).rotatedLeft(by: 31)
            return (mix(a ^ count), mix(b &+ 0x632b_e59b_d9b4_e019))
        }
    }

    /// A 64-bit hash of some bytes for keys, where ids that differ in a few characters must not collide:
    /// each 8-byte word goes through the full finaliser before the next. (The lanes of ``hash128(_:)``
    /// only multiply and rotate, so a change in the top byte of one word can cancel one in the next;
    /// ids such as `g-1-11410-14` and `g-1-11490-19` share its first lane.)
    public static func key64(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash: UInt64 = 0x243f_6a88_85a3_08d3 ^ UInt64(bytes.count)
        var index = 0
        while index + 8 <= bytes.count {
            let word = UnsafeRawBufferPointer(bytes).loadUnaligned(fromByteOffset: index, as: UInt64.self)
            hash = mix(hash ^ UInt64(littleEndian: word))
            index += 8
        }
        var word: UInt64 = 0
        for (shift, byte) in bytes[index...].enumerated() { word |= UInt64(byte) << (8 * UInt64(shift)) }
        return mix(hash ^ word)
    }

    /// A 64-bit finaliser that spreads every input bit over the output.
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// 16 lowercase hex digits.
    public static func hex(_ value: UInt64) -> String {
        let s = String(value, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
}

extension UInt64 {
    fileprivate func rotatedLeft(by count: UInt64) -> UInt64 { (self << count) | (self >> (64 - count)) }
}
