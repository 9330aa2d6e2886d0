import Foundation
import Hummingbird

/// Reads the key a client presents in the `Authorization` header.
enum Credentials {
    /// The key sent as a Bearer token, or as the user of HTTP Basic (Segment's style: the write key
    /// is the user and the password is empty); nil when the header is absent or unreadable.
    static func key(in headers: HTTPFields) -> String? {
        guard let header = headers[.authorization] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2 else { return nil }
        let scheme = parts[0].lowercased()
        let value = parts[1].trimmingCharacters(in: .whitespaces)
        switch scheme {
        case "bearer":
            return value.isEmpty ? nil : value
        case "basic":
            guard let data = Data(base64Encoded: value), let text = String(data: data, encoding: .utf8) else {
                return nil
            }
            let user = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            return user.isEmpty ? nil : String(user)
        default:
            return nil
        }
    }
}
