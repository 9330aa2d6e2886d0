import Foundation
import StrataCore

/// Interned strings kept as one buffer of UTF-8 bytes, found by their bytes through an open-addressing
/// index. A table of a million strings is three arrays, read back from the timelines file by copying
/// two of them, rather than a million strings and a dictionary over them.
///
/// Two strings are one entry when their UTF-8 bytes are equal (Swift's `String` equality is Unicode
/// canonical equivalence, which would merge differently encoded spellings the language keeps apart).
public struct StringTable: RandomAccessCollection, Sendable {
    /// The UTF-8 bytes of every string, one after another.
    private(set) var utf8: [UInt8] = []
    /// Where each string ends in ``utf8``: string i spans `ends[i - 1]..<ends[i]` (from 0 for the first).
    private(set) var ends: [Int] = []
    /// The index: a power-of-two number of slots, each 0 when empty or a string's id plus one.
    private var slots: [UInt32] = []

    /// An empty table.
    public init() {}

    /// The table of some strings as ``utf8`` and ``ends`` hold them (read back from a file); nil when
    /// the ends are out of order or past the bytes, or when two strings are the same.
    init?(utf8: [UInt8], ends: [Int]) {
        var previous = 0
        for end in ends {
            guard end >= previous else { return nil }
            previous = end
        }
        guard previous == utf8.count else { return nil }
        self.utf8 = utf8
        self.ends = ends
        slots = [UInt32](repeating: 0, count: Self.slotCount(for: ends.count))
        for id in ends.indices {
            guard case .vacant(let slot) = find(range(of: id)) else { return nil }
            slots[slot] = UInt32(id + 1)
        }
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { ends.count }

    /// The string with this id.
    public subscript(id: Int) -> String {
        String(decoding: utf8[range(of: id)], as: UTF8.self)
    }

    /// The id of a string, or nil when the table does not hold it.
    public func id(of string: String) -> UInt32? {
        var copy = string
        return copy.withUTF8 { bytes in
            guard case .found(let id) = find(bytes) else { return nil }
            return id
        }
    }

    /// The id of a string, added if new.
    mutating func intern(_ string: String) -> UInt32 {
        if slots.isEmpty { slots = [UInt32](repeating: 0, count: Self.slotCount(for: 0)) }
        var copy = string
        let found = copy.withUTF8 { bytes in (find(bytes), Array(bytes)) }
        switch found.0 {
        case .found(let id):
            return id
        case .vacant(let slot):
            let id = UInt32(ends.count)
            utf8.append(contentsOf: found.1)
            ends.append(utf8.count)
            slots[slot] = id + 1
            if ends.count * 2 > slots.count { reindex() }
            return id
        }
    }

    /// Where a string's bytes are in ``utf8``.
    private func range(of id: Int) -> Range<Int> {
        (id == 0 ? 0 : ends[id - 1])..<ends[id]
    }

    private enum Probe {
        /// The table holds the bytes under this id.
        case found(UInt32)
        /// The table does not hold them; this slot is where they would go.
        case vacant(Int)
    }

    /// Looks a string up by its bytes.
    private func find(_ range: Range<Int>) -> Probe {
        utf8.withUnsafeBufferPointer { find(UnsafeBufferPointer(rebasing: $0[range])) }
    }

    private func find(_ bytes: UnsafeBufferPointer<UInt8>) -> Probe {
        if slots.isEmpty { return .vacant(0) }
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: Hash.key64(bytes)) & mask
        return utf8.withUnsafeBufferPointer { stored in
            while slots[slot] != 0 {
                let id = Int(slots[slot] - 1)
                if Self.same(UnsafeBufferPointer(rebasing: stored[range(of: id)]), bytes) { return .found(UInt32(id)) }
                slot = (slot + 1) & mask
            }
            return .vacant(slot)
        }
    }

    private static func same(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        guard let x = a.baseAddress, let y = b.baseAddress else { return true }
        return memcmp(x, y, a.count) == 0
    }

    /// Rebuilds the index with room for twice as many strings.
    private mutating func reindex() {
        slots = [UInt32](repeating: 0, count: Self.slotCount(for: ends.count))
        for id in ends.indices {
            guard case .vacant(let slot) = find(range(of: id)) else { continue }
            slots[slot] = UInt32(id + 1)
        }
    }

    /// Slots for a number of strings: a power of two at least twice as many (at least 16).
    private static func slotCount(for count: Int) -> Int {
        var slots = 16
        while slots < count * 2 { slots *= 2 }
        return slots
    }
}
