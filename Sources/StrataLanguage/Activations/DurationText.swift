/// Durations as files and flags write them: a number and a unit, `0s`, `15s`, `5m`, `1h`, `2d`, `1w`
/// (`500ms` is not allowed).
public enum DurationText {
    /// The duration in ms; nil for text that is not one.
    public static func milliseconds(_ text: String) -> Int64? {
        let units: [(String, Int64)] = [
            ("s", 1_000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000), ("w", 604_800_000),
        ]
        for (unit, milliseconds) in units where text.hasSuffix(unit) {
            guard let number = Double(text.dropLast(unit.count)), number >= 0, number * Double(milliseconds) < 9e15
            else { return nil }
            return Int64((number * Double(milliseconds)).rounded())
        }
        return nil
    }
}
