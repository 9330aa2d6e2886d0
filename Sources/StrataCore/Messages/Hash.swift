/// Small non-cryptographic hashes for content identity (not for secrets).
enum Hash {
    /// Two independent 64-bit hashes of the bytes (FNV-1a with distinct seeds, then a final avalanche).
    static func hash128(_ bytes: [UInt8]) -> (UInt64, UInt64) {
        var a: UInt64 = 0xcbf2_9ce4_8422_2325
        var b: UInt64 = 0x9e37_79b9_7f4a_7c15
        for byte in bytes {
            a = (a ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            b = (b ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            b = (b << 7) | (b >> 57)
        }
        return (mix(a ^ UInt64(bytes.count)), mix(b &+ 0x632b_e59b_d9b4_e019))
    }

    /// A 64-bit finaliser that spreads every input bit over the output.
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// 16 lowercase hex digits.
    static func hex(_ value: UInt64) -> String {
        let s = String(value, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
}
