/// The tags of a stored value: a byte saying what the 8-byte payload holds.
enum StoredValue {
    /// No value (absent or null).
    static let absent: UInt8 = 0
    /// A Double's bit pattern.
    static let number: UInt8 = 1
    /// A string id in ``Vocabulary/strings``.
    static let string: UInt8 = 2
    /// 0 or 1.
    static let bool: UInt8 = 3
    /// An id in ``Vocabulary/jsonValues``.
    static let json: UInt8 = 4
    /// Event fields used as distinct/top keys: a weekday (0 = Monday), an event name id, a user profile index.
    static let weekday: UInt8 = 5
    static let eventName: UInt8 = 6
    static let user: UInt8 = 7

    /// The bit pattern of a number, with -0 folded onto 0 so that equal numbers have equal bits.
    @inline(__always) static func bits(_ n: Double) -> UInt64 {
        n == 0 ? 0 : n.bitPattern
    }
}
