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
}
