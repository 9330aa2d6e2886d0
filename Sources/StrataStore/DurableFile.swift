import Foundation

#if canImport(Glibc)
    import Glibc
    private let readBytes = Glibc.read
#elseif canImport(Darwin)
    import Darwin
    private let readBytes = Darwin.read
#endif

/// Replaces a large file (a snapshot of the live engine, the timelines file) durably without holding
/// up the database's commits, and reads one back in a single read.
///
/// Written in one go and renamed over the old one, a file of 150 MB held every disk sync on the
/// machine for 50-200 ms: the file system flushes the whole new file at the rename, and frees the old
/// file's blocks (trimming them, with online discard) in one journal commit, which each sync of the
/// database then waits for. Here the new file is synced a megabyte at a time as it is written, and
/// the old one is shortened a few megabytes at a time once replaced, so that a sync waits a few
/// milliseconds at most.
public enum DurableFile {
    /// Bytes written between two syncs of the new file.
    static let chunk = 1 << 20
    /// Bytes an old file is shortened by at a time.
    static let shrinkStep = 4 << 20

    /// A file left by an interrupted ``replace(_:with:pausing:)``: never read, and overwritten by the
    /// next replacement.
    public static func temporaryURL(of url: URL) -> URL { URL(fileURLWithPath: url.path + ".new") }

    /// Writes `bytes` to a file beside `url` (``temporaryURL(of:)``) and renames it to `url`, both
    /// synced before returning, then lets go of the file it replaced. Calls `pause` after each megabyte
    /// written and after each step of shortening, so that the caller can spread the work out.

    public static func replace(_ url: URL, with bytes: [UInt8], pausing pause: () -> Void = {}) throws {
        let path = url.path
        let temporary = temporaryURL(of: url).path
        // A file left by an interrupted write is shortened like an old one before it is written again.
        let file = try openFile(temporary, flags: O_WRONLY | O_CREAT)
        do {
            try shrink(file, path: temporary, pausing: pause)
            try bytes.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let end = min(offset + chunk, buffer.count)
                    try writeAll(file, UnsafeRawBufferPointer(rebasing: buffer[offset..<end]), path: temporary)
                    try check(fsync(file), "cannot sync", temporary)
                    offset = end
                    pause()
                }
            }
            try check(fsync(file), "cannot sync", temporary)
        } catch {
            close(file)
            throw error
        }
        try check(close(file), "cannot close", temporary)
        // Held open across the rename, the replaced file keeps its blocks until shortened below.
        let replaced = try? openFile(path, flags: O_WRONLY)
        defer { if let replaced { close(replaced) } }
        try check(rename(temporary, path), "cannot rename \(temporary) to", path)
        let folder = url.deletingLastPathComponent().path
        let directory = try openFile(folder, flags: O_RDONLY)
        defer { close(directory) }
        try check(fsync(directory), "cannot sync the folder", folder)
        // The new snapshot is in place: shortening the replaced one only spreads its freeing out, and
        // whatever is left of it is freed when it is closed.
        if let replaced { try? shrink(replaced, path: path, pausing: pause) }
    }

    /// Shortens an open file to nothing, ``shrinkStep`` at a time, pausing after each step.
    private static func shrink(_ file: Int32, path: String, pausing pause: () -> Void) throws {
        var status = stat()
        try check(fstat(file, &status), "cannot read the size of", path)
        var size = Int(status.st_size)
        while size > 0 {
            size = max(0, size - shrinkStep)
            try check(ftruncate(file, off_t(size)), "cannot shorten", path)
            pause()
        }
    }

    private static func openFile(_ path: String, flags: Int32) throws -> Int32 {
        let file = open(path, flags | O_CLOEXEC, 0o644)
        try check(file, "cannot open", path)
        return file
    }

    /// Writes all of `buffer`, however many calls it takes.
    private static func writeAll(_ file: Int32, _ buffer: UnsafeRawBufferPointer, path: String) throws {
        var rest = buffer
        while !rest.isEmpty {
            let written = write(file, rest.baseAddress, rest.count)
            if written < 0 && errno == EINTR { continue }
            try check(written < 0 ? -1 : 0, "cannot write", path)
            rest = UnsafeRawBufferPointer(rebasing: rest[written...])
        }
    }

    /// Throws what a failed system call (a negative `result`) did, naming the file.
    private static func check<Result: BinaryInteger>(_ result: Result, _ what: String, _ path: String) throws {
        guard result < 0 else { return }
        throw FileError("\(what) \(path): \(String(cString: strerror(errno)))")
    }

    /// The whole content of a file in one read, or nil when there is no file.
    public static func read(_ url: URL) throws -> [UInt8]? {
        let path = url.path
        let file = open(path, O_RDONLY | O_CLOEXEC)
        if file < 0 && errno == ENOENT { return nil }
        try check(file, "cannot open", path)
        defer { close(file) }
        var status = stat()
        try check(fstat(file, &status), "cannot read the size of", path)
        let size = Int(status.st_size)
        var failure: Int32 = 0
        // A file that shrinks meanwhile is read short: whoever reads it finds it cut short.
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            guard let base = buffer.baseAddress else { return }
            while initialized < size {
                let count = readBytes(file, base + initialized, size - initialized)
                if count < 0 && errno == EINTR { continue }
                if count <= 0 {
                    failure = count < 0 ? errno : 0
                    break
                }
                initialized += count
            }
        }
        guard failure == 0 else { throw FileError("cannot read \(path): \(String(cString: strerror(failure)))") }
        return bytes
    }

    /// Removes a file and any leftover of an interrupted replacement; nothing when there is none.
    public static func remove(_ url: URL) throws {
        for path in [url.path, temporaryURL(of: url).path] {
            if unlink(path) < 0 && errno != ENOENT { try check(-1, "cannot remove", path) }
        }
    }
}

/// A file that cannot be written, read or removed, naming it and what the system said.
public struct FileError: Error, CustomStringConvertible {
    /// What failed.
    public var description: String

    init(_ description: String) { self.description = description }
}
