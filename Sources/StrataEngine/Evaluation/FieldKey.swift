/// A field value as stored: a tag and a payload; equal values have equal keys.
struct FieldKey: Hashable, Comparable {
    var tag: UInt8
    var payload: UInt64

    static func < (a: FieldKey, b: FieldKey) -> Bool {
        a.tag != b.tag ? a.tag < b.tag : a.payload < b.payload
    }
}
