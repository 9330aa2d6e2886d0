import Foundation
import NIOCore
import NIOPosix
import StrataCore

extension PlainError {
    /// A failure to connect or to talk over a connection (webhooks, SMTP) in plain words: the
    /// operating system's reason for a socket error (`connection refused`), else as ``describe(_:)``.
    static func describeConnection(_ error: any Error) -> String {
        if let error = error as? IOError, let code = POSIXErrorCode(rawValue: error.errnoCode) {
            return describe(POSIXError(code))
        }
        // A connection tried to every address of a host: the first address's reason.
        if let error = error as? NIOConnectionError, let first = error.connectionErrors.first {
            return describeConnection(first.error)
        }
        return describe(error)
    }
}
