import Foundation

/// A string compared and hashed by its UTF-8 bytes (Swift's `String` equality is Unicode canonical
/// equivalence, which would merge differently encoded spellings the language keeps apart).
struct Bytes: Hashable, Sendable {
    let string: String

    init(_ string: String) {
        var copy = string
        copy.makeContiguousUTF8()
        self.string = copy
    }

    static func == (a: Bytes, b: Bytes) -> Bool { Value.compareBytes(a.string, b.string) == 0 }

    func hash(into hasher: inout Hasher) {
        let done: Void? = string.utf8.withContiguousStorageIfAvailable {
            hasher.combine(bytes: UnsafeRawBufferPointer($0))
        }
        if done == nil { for byte in string.utf8 { hasher.combine(byte) } }
    }
}
