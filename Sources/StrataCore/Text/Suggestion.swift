/// Finds the nearest valid name to a misspelt one, by edit distance.
public enum Suggestion {
    /// The candidate closest to `word`, when it is close enough to be a plausible misspelling.
    ///
    /// Distance is Damerau-Levenshtein (optimal string alignment) over Unicode scalars, case-insensitive
    /// with a small penalty for case differences. A candidate qualifies when its distance is at most
    /// max(1, min(length) / 3) + 1 for words longer than 3 scalars, else 1. Ties go to the
    /// alphabetically first candidate.
    public static func nearest(to word: String, in candidates: some Sequence<String>) -> String? {
        var best: (name: String, distance: Int)?
        let lowered = Array(word.lowercased().unicodeScalars)
        for candidate in candidates where candidate != word {
            let other = Array(candidate.lowercased().unicodeScalars)
            let limit = maximumDistance(lowered.count, other.count)
            guard abs(lowered.count - other.count) <= limit else { continue }
            var distance = editDistance(lowered, other) * 2
            if distance == 0 { distance = 1 }  // differs only in case
            guard distance <= limit * 2 else { continue }
            if let current = best {
                if distance < current.distance || (distance == current.distance && candidate < current.name) {
                    best = (candidate, distance)
                }
            } else {
                best = (candidate, distance)
            }
        }
        return best?.name
    }

    /// The largest edit distance that still reads as a misspelling.
    static func maximumDistance(_ a: Int, _ b: Int) -> Int {
        let shorter = min(a, b)
        return shorter <= 3 ? 1 : max(1, shorter / 3) + 1
    }

    /// The optimal-string-alignment distance between two scalar arrays.
    public static func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previousPrevious = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    value = min(value, previousPrevious[j - 2] + 1)
                }
                current[j] = value
            }
            previousPrevious = previous
            previous = current
        }
        return previous[b.count]
    }
}
