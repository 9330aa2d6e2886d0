import Foundation

/// Writing CSV (RFC 4180), safe to open in a spreadsheet.
public enum CSV {
    /// A field as written in a row: quoted, with quotes doubled, when it holds a comma, quote or line
    /// break. Text that a spreadsheet would run as a formula (it starts with `=`, `+`, `-`, `@`, a tab
    /// or a carriage return, and is not a number) gets a leading `'`, as OWASP advises: profile ids
    /// and traits come from whoever sends events.
    public static func field(_ text: String) -> String {
        var text = text
        if let first = text.unicodeScalars.first, Self.formulaStarts.contains(first), Double(text) == nil {
            text = "'" + text
        }
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// The first characters that make a spreadsheet read a cell as a formula.
    static let formulaStarts: Set<Unicode.Scalar> = ["=", "+", "-", "@", "\t", "\r"]

    /// A row of fields, without its line break.
    public static func row(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",")
    }
}
