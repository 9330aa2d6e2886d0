import Foundation

extension String {
    /// Compares two strings by their UTF-8 bytes, as SQLite compares text: -1, 0 or 1. Swift's `<`
    /// compares by Unicode canonical equivalence, which orders some strings otherwise.
    public static func compareUTF8(_ x: String, _ y: String) -> Int {
        let fast: Int?? = x.utf8.withContiguousStorageIfAvailable { a in
            y.utf8.withContiguousStorageIfAvailable { b in
                let n = Swift.min(a.count, b.count)
                if n > 0, let pa = a.baseAddress, let pb = b.baseAddress {
                    let c = memcmp(pa, pb, n)
                    if c != 0 { return c < 0 ? -1 : 1 }
                }
                return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
            }
        }
        if let outer = fast, let result = outer { return result }
        var a = x.utf8.makeIterator()
        var b = y.utf8.makeIterator()
        while true {
            switch (a.next(), b.next()) {
            case (nil, nil): return 0
            case (nil, _): return -1
            case (_, nil): return 1
            case (let p?, let q?):
                if p != q { return p < q ? -1 : 1 }
            }
        }
    }
}
