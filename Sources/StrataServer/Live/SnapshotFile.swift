import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Replaces a large file (a snapshot of the live engine) durably without holding up the database's
/// commits.
///
/// Written in one go and renamed over the old one, a file of 150 MB held every disk sync on the
/// machine for 50-200 ms: the file system flushes the whole new file at the rename, and frees the old
/// file's blocks (trimming them, with online discard) in one journal commit, which each sync of the
/// database then waits for. Here the new file is synced a megabyte at a time as it is written, and
/// the old one is shortened a few megabytes at a time once replaced, so that a sync waits a few
/// milliseconds at most.
enum SnapshotFile {
    /// Bytes written between two syncs of the new file.
    static let chunk = 1 << 20
    /// Bytes an old file is shortened by at a time.
    static let shrinkStep = 4 << 20

    /// Writes `bytes` to a file beside `url` and renames it to `url`, both synced before returning,
    /// then lets go of the file it replaced. Calls `pause` after each megabyte written and after each
    /// step of shortening, so that the caller can spread the work out.
    static func replace(_ url: URL, with bytes: [UInt8], pausing pause: () -> Void) throws {
        let path = url.path
        let temporary = path + ".new"
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
        throw LiveError("\(what) \(path): \(String(cString: strerror(errno)))")
    }
}
