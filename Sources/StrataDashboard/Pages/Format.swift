import Foundation

/// Numbers as the pages show them.
public enum Format {
    /// A whole number with a comma between groups of three digits: 1,234,567.
    public static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return value < 0 ? "-" + out : out
    }

    /// A share as a percentage with one decimal (12.5%), rounded as `printf`'s `%.1f` rounds; a dash
    /// when the whole is 0.
    public static func percent(_ part: Int, of whole: Int) -> String {
        guard whole > 0 else { return "–" }
        return String(format: "%.1f%%", Double(part) * 100 / Double(whole))
    }

    /// A duration in the largest unit that divides it: 30d, 2h, 15m, 90s, 250ms.
    public static func duration(_ milliseconds: Int64) -> String {
        for (unit, size) in [("d", Int64(86_400_000)), ("h", 3_600_000), ("m", 60_000), ("s", 1000)]
        where milliseconds % size == 0 {
            return "\(milliseconds / size)\(unit)"
        }
        return "\(milliseconds)ms"
    }

    /// A number with at most two decimals and no trailing zeros: 50, 2.5, 33.33.
    public static func number(_ value: Double) -> String { Plot.number(value) }
}
