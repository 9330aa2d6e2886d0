import Foundation
import StrataDemo

/// A generated dataset parsed back with Foundation's JSONSerialization, for assertions.
struct Dataset {
    let configuration: Generator.Configuration
    let bytes: [UInt8]
    let lines: [[UInt8]]
    let messages: [[String: Any]]

    init(_ profile: Generator.Profile, users: Int, days: Int = 90, seed: UInt64 = 7, end: Int64? = nil) throws {
        configuration = Generator.Configuration(
            profile: profile, users: users, days: days, seed: seed, end: end ?? Generator.Configuration.defaultEnd)
        bytes = Generator(configuration).chunk(users: 0..<users).bytes
        lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast().map(Array.init)
        messages = try lines.map { line in
            guard let object = try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
                throw DatasetError(line: String(decoding: line, as: UTF8.self))
            }
            return object
        }
    }

    struct DatasetError: Error {
        let line: String
    }

    /// Track events plus page calls (as "Page Viewed"), the way the language sees them.
    var events: [(name: String, properties: [String: Any], message: [String: Any])] {
        messages.compactMap { message in
            switch message["type"] as? String {
            case "track":
                guard let name = message["event"] as? String else { return nil }
                return (name, message["properties"] as? [String: Any] ?? [:], message)
            case "page":
                return ("Page Viewed", message["properties"] as? [String: Any] ?? [:], message)
            default:
                return nil
            }
        }
    }

    /// The user index encoded in a messageId `g-<seed>-<user>-<n>`.
    static func user(of message: [String: Any]) -> Int? {
        guard let id = message["messageId"] as? String else { return nil }
        let parts = id.split(separator: "-")
        guard parts.count == 4 else { return nil }
        return Int(parts[2])
    }

    /// Epoch milliseconds of a message's timestamp, parsed independently of the generator.
    static func time(of message: [String: Any]) -> Int64? {
        guard let text = message["timestamp"] as? String else { return nil }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        guard let date = formatter.date(from: text) else { return nil }
        return Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    /// A JSON number (not a bool) as a Double.
    static func number(_ value: Any?) -> Double? {
        guard let number = value as? NSNumber, !isBoolean(value) else { return nil }
        return number.doubleValue
    }

    /// Whether a parsed JSON value is `true` or `false` (Foundation bridges them through NSNumber).
    static func isBoolean(_ value: Any?) -> Bool {
        guard let value else { return false }
        return String(describing: type(of: value)).contains("Boolean") || type(of: value) == Bool.self
    }
}
