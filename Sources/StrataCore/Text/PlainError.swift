import Foundation

/// An error that can say what went wrong in a short sentence for a person (the store's database
/// errors, for example).
public protocol PlainDescribable: Error {
    /// What went wrong, and what to do when there is something to do.
    var plainDescription: String { get }
}

/// Errors of the file system, the operating system and the store as a short sentence for a person,
/// instead of Foundation's `Error Domain=...` text or a Swift type name.
public enum PlainError {
    /// What went wrong, in a few words (`no such file or folder`, `permission denied`, ...).
    public static func describe(_ error: any Error) -> String {
        if let error = error as? any PlainDescribable { return error.plainDescription }
        if let error = error as? CocoaError {
            switch error.code {
            case .fileNoSuchFile, .fileReadNoSuchFile: return "no such file or folder"
            case .fileReadNoPermission, .fileWriteNoPermission: return "permission denied"
            case .fileWriteOutOfSpace: return "no space left on the disk"
            case .fileWriteVolumeReadOnly: return "the file system is read-only"
            case .fileWriteFileExists: return "something of that name exists already"
            case .fileReadCorruptFile, .fileReadInapplicableStringEncoding: return "the file cannot be read as text"
            default:
                if let underlying = error.userInfo[NSUnderlyingErrorKey] as? any Error { return describe(underlying) }
            }
        }
        if let error = error as? POSIXError { return posix(error.code.rawValue) }
        let bridged = error as NSError
        if bridged.domain == NSPOSIXErrorDomain { return posix(Int32(bridged.code)) }
        if error is CancellationError { return "cancelled" }
        return bridged.localizedDescription
    }

    private static func posix(_ code: Int32) -> String {
        String(cString: strerror(code)).lowercased()
    }
}
