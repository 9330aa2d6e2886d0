import Foundation

/// An email address with an optional display name, as written in `from:` or rendered from `to:`:
/// `growth@acme.example` or `Acme Growth <growth@acme.example>`.
public struct MailAddress: Sendable, Equatable {
    /// The display name, if any.
    public var name: String?
    /// The address itself (`local@domain`), as the SMTP envelope carries it.
    public var address: String

    /// The domain after the `@`.
    public var domain: String { address.split(separator: "@").last.map(String.init) ?? "" }

    /// Parses an address; nil for anything else, including text with line breaks or control
    /// characters (which would let a trait inject mail headers).
    public init?(_ text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return nil }
        if trimmed.hasSuffix(">"), let open = trimmed.lastIndex(of: "<") {
            var display = trimmed[..<open].trimmingCharacters(in: .whitespaces)
            if display.count >= 2, display.hasPrefix("\""), display.hasSuffix("\"") {
                display = String(display.dropFirst().dropLast())
            }
            guard !display.contains("\"") else { return nil }
            name = display.isEmpty ? nil : display
            address = String(trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)])
        } else {
            name = nil
            address = trimmed
        }
        guard Self.isAddress(address) else { return nil }
    }

    /// Whether text is a plain ASCII `local@domain` address: one `@`, a non-empty local part of printable
    /// characters other than space, `<`, `>`, `(`, `)`, `,`, `;`, `:`, `"`, `[`, `]` and `\`, and a
    /// domain of dot-separated labels of letters, digits and hyphens.
    static func isAddress(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].utf8.count <= 64, text.utf8.count <= 254 else {
            return false
        }
        let forbidden = Set(" <>(),;:\"[]\\")
        guard text.allSatisfy(\.isASCII), !parts[0].contains(where: { forbidden.contains($0) }),
            !parts[0].hasPrefix("."),
            !parts[0].hasSuffix("."), !parts[0].contains("..")
        else { return false }
        let labels = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        return labels.count >= 1
            && labels.allSatisfy { label in
                !label.isEmpty && label.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                    && label.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" }
            }
    }
}
