import Foundation

/// Open and click tracking in an HTML body: every `href` to an http(s) URL, except links under the
/// server's own address (the unsubscribe link), leads through a signed click link, and an open pixel
/// goes before `</body>` (or at the end).
enum EngagementTracking {
    /// The HTML with its links and the pixel in place; `click` makes the tracked link of a URL.
    static func track(html: String, pixel: String, skipping ownPrefix: String, click: (String) -> String) -> String {
        // `href="..."` or `href='...'`, any case, spaces around `=`.
        let href = #/(?i)href\s*=\s*(["'])(.*?)\1/#
        var result = ""
        var rest = html[...]
        while let match = rest.firstMatch(of: href) {
            result += rest[..<match.range.lowerBound]
            let quote = match.output.1
            let target = unescape(String(match.output.2))
            let lowered = target.lowercased()
            if (lowered.hasPrefix("http://") || lowered.hasPrefix("https://")) && !target.hasPrefix(ownPrefix) {
                result += "href=\(quote)\(escape(click(target)))\(quote)"
            } else {
                result += rest[match.range]
            }
            rest = rest[match.range.upperBound...]
        }
        result += rest
        let image = "<img src=\"\(escape(pixel))\" width=\"1\" height=\"1\" alt=\"\" style=\"display:none\">"
        if let body = result.range(of: "</body>", options: [.caseInsensitive, .backwards]) {
            result.insert(contentsOf: image, at: body.lowerBound)
        } else {
            result += image
        }
        return result
    }

    /// The entities a template's HTML escaping writes into an attribute, read back.
    static func unescape(_ text: String) -> String {
        text.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&amp;", with: "&")
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
