import Foundation

/// The secret the dashboard's cookies are signed with: 32 random bytes in a file beside the
/// workspace's database, created on first use with permissions for its owner only, so that sessions
/// survive a restart. Removing the file ends every session.
public enum SessionSecret {
    /// The file's name.
    public static let fileName = "dashboard.secret"

    /// Why the secret could not be read or made.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The secret in the file, made first when there is none.
    public static func load(at url: URL) throws(Failure) -> [UInt8] {
        if let data = FileManager.default.contents(atPath: url.path) {
            guard data.count >= 32 else {
                throw Failure(
                    description: "\(url.lastPathComponent) holds fewer than 32 bytes: remove it to make another")
            }
            return Array(data)
        }
        var generator = SystemRandomNumberGenerator()
        let secret = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let made = FileManager.default.createFile(
            atPath: url.path, contents: Data(secret), attributes: [.posixPermissions: 0o600])
        guard made else { throw Failure(description: "cannot write \(url.lastPathComponent) beside the database") }
        return secret
    }
}
