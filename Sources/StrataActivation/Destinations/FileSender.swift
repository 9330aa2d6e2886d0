import Foundation
import StrataCore
import StrataLanguage
import StrataStore

/// File destinations: one JSON line per delivery, appended to a file under the workspace and synced
/// before the delivery counts as sent.
public struct FileSender: Sender {
    /// The destination's settings.
    public let file: Destination.File
    /// The workspace's folder, which the path is relative to.
    public let root: URL

    /// A sender for a file destination of a workspace.
    public init(file: Destination.File, root: URL) {
        self.file = file
        self.root = root
    }

    public func send(_ payload: Payload, template: Template?, now: Int64) async -> SendOutcome {
        let relative: String
        let line: String
        do {
            relative = try Rendering.render(file.path, as: .text, context: payload.context())
            line =
                try template.map { try Rendering.render($0.text, as: .json, context: payload.context()) }
                ?? JSONWriter.string(payload.json)
        } catch {
            return .fail(error: "a template did not render: \(error)", status: nil, disable: false)
        }
        guard !relative.isEmpty, !relative.hasPrefix("/"), !relative.split(separator: "/").contains("..") else {
            return .fail(error: "the path `\(relative)` leaves the workspace", status: nil, disable: false)
        }
        let url = root.appendingPathComponent(relative)
        do {
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Self.append(Array((line.replacingOccurrences(of: "\n", with: " ") + "\n").utf8), to: url.path)
            return .sent(status: nil)
        } catch {
            return .retry(error: "cannot append to \(relative): \(PlainError.describe(error))", status: nil, after: nil)
        }
    }

    /// Appends bytes to a file (created when missing) and syncs it.
    static func append(_ bytes: [UInt8], to path: String) throws {
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o644)
        guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(descriptor) }
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
            written += count
        }
        guard fsync(descriptor) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    }
}
