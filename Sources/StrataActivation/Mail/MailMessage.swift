import Foundation
import StrataCore
import StrataLanguage

/// An email as RFC 5322 text: headers (non-ASCII text as RFC 2047 encoded words, no line breaks a
/// trait could smuggle in) and a UTF-8 text part, or text and HTML parts as multipart/alternative,
/// each in base64, so the message is 7-bit clean for any server.
struct MailMessage: Sendable {
    var from: MailAddress
    var to: MailAddress
    var subject: String
    /// The id without angle brackets.
    var messageID: String
    /// The instant of the `Date` header (ms).
    var date: Int64
    var text: String
    var html: String?
    /// More headers, in order (`List-Unsubscribe`, ...); values must be ASCII.
    var headers: [(name: String, value: String)] = []

    /// The message, lines ending in CRLF, as the DATA command sends it before dot-stuffing.
    var rendered: String {
        var lines = [
            "From: \(Self.header(from))", "To: \(Self.header(to))", "Subject: \(Self.encodedWords(subject))",
            "Date: \(Self.date(date))", "Message-ID: <\(messageID)>", "MIME-Version: 1.0",
        ]
        lines += headers.map { "\($0.name): \(Self.singleLine($0.value))" }
        if let html {
            let boundary = "=_strata_alternative_\(messageID.prefix { $0 != "@" })"
            lines += ["Content-Type: multipart/alternative; boundary=\"\(boundary)\"", ""]
            lines += ["--\(boundary)"] + Self.part(text, type: "text/plain")
            lines += ["--\(boundary)"] + Self.part(html, type: "text/html")
            lines += ["--\(boundary)--"]
        } else {
            lines += Self.part(text, type: "text/plain")
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// A part's headers, a blank line, and its body in base64 lines of 76 characters.
    static func part(_ body: String, type: String) -> [String] {
        let encoded = Data(body.utf8).base64EncodedString()
        var lines = ["Content-Type: \(type); charset=utf-8", "Content-Transfer-Encoding: base64", ""]
        var start = encoded.startIndex
        while start < encoded.endIndex {
            let end = encoded.index(start, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex
            lines.append(String(encoded[start..<end]))
            start = end
        }
        return lines
    }

    /// An address header's value: the display name (quoted, or as encoded words) and the address.
    static func header(_ address: MailAddress) -> String {
        guard let name = address.name else { return address.address }
        let printable = name.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F }
        let quoted = "\"" + name.replacingOccurrences(of: "\\", with: "\\\\") + "\""
        return "\(printable ? quoted : encodedWords(name)) <\(address.address)>"
    }

    /// Text for a header: as it is when it is printable ASCII, else RFC 2047 `=?UTF-8?B?...?=` words of
    /// at most 45 bytes each (whole characters), folded onto lines of their own. Line breaks and other
    /// control characters become spaces.
    static func encodedWords(_ text: String) -> String {
        let clean = singleLine(text)
        guard !clean.unicodeScalars.allSatisfy({ $0.value < 0x7F }) else { return clean }
        var words: [String] = []
        var chunk = Data()
        for character in clean {
            let bytes = Data(String(character).utf8)
            if chunk.count + bytes.count > 45 {
                words.append("=?UTF-8?B?\(chunk.base64EncodedString())?=")
                chunk = Data()
            }
            chunk.append(bytes)
        }
        if !chunk.isEmpty { words.append("=?UTF-8?B?\(chunk.base64EncodedString())?=") }
        return words.joined(separator: "\r\n ")
    }

    /// Text with every control character (line breaks included) replaced by a space.
    static func singleLine(_ text: String) -> String {
        String(
            String.UnicodeScalarView(
                text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : $0 }))
    }

    /// An RFC 5322 date in UTC: `Sun, 06 Dec 2026 09:27:35 +0000`.
    static func date(_ instant: Int64) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: Date(timeIntervalSince1970: Double(instant) / 1000))
    }
}
