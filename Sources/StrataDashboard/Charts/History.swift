/// A segment's size over past instants, from its size now and the entries and exits recorded between
/// the instants.
public enum History {
    /// The size at each instant, counted back from `current` (the size at the last instant): the
    /// change log knows only the profiles that entered since it began, so the sizes it gives alone
    /// start from 0 at its beginning, while the entries and exits it recorded are what happened.
    /// `entered[i]` and `exited[i]` are the changes after instant `i - 1` up to instant `i`. Before
    /// the log began the size reads as it was when it began.
    public static func sizes(current: Int, entered: [Int], exited: [Int]) -> [Int] {
        var sizes = Array(repeating: 0, count: entered.count)
        var size = current
        for index in entered.indices.reversed() {
            sizes[index] = max(0, size)
            size -= entered[index] - (index < exited.count ? exited[index] : 0)
        }
        return sizes
    }
}
