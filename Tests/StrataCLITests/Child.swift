import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The `strata` binary run as a child process with `posix_spawn`, its standard output and error
/// written to files of their own. Foundation's `Process.run()` is not used: on Linux it lists the
/// open descriptors with a copy that reads past the end of a buffer, and crashes now and then in a
/// test process that holds many of them (swift-corelibs-foundation pull request 5472).
final class Child: Sendable {
    /// The process's id.
    let pid: pid_t
    private let output: URL
    private let errors: URL
    /// The status `waitpid` gave once it ended.
    private let ended = Mutex<Int32?>(nil)

    /// Starts the binary with the arguments, in a folder (default: the tests' current folder).
    init(_ arguments: [String], in folder: URL? = nil) throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("strata-child-\(UUID().uuidString)")
        (output, errors) = (base.appendingPathExtension("out"), base.appendingPathExtension("err"))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errors.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        // In another folder through `env --chdir` (the glibc call that would do it is not visible here).
        let binary = CLITests.binary.path
        let command = folder.map { ["/usr/bin/env", "--chdir=\($0.path)", binary] } ?? [binary]
        let argv = (command + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let code = posix_spawn(&pid, command[0], &actions, nil, argv, environ)
        guard code == 0 else { throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO) }
        self.pid = pid
    }

    deinit {
        try? FileManager.default.removeItem(at: output)
        try? FileManager.default.removeItem(at: errors)
    }

    /// What it wrote to standard output so far.
    var stdout: String { (try? String(contentsOf: output, encoding: .utf8)) ?? "" }
    /// What it wrote to standard error so far.
    var stderr: String { (try? String(contentsOf: errors, encoding: .utf8)) ?? "" }

    /// Whether it still runs.
    var isRunning: Bool { status(waiting: false) == nil }

    /// Waits for it to end: its exit code, or 128 plus the signal that ended it.
    func wait() -> Int32 {
        guard let status = status(waiting: true) else { return -1 }
        return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + status & 0x7f
    }

    /// Whether it exited (rather than being ended by a signal), once it has ended.
    var exited: Bool { status(waiting: true).map { $0 & 0x7f == 0 } ?? false }

    /// The raw status of `waitpid` once it has ended; nil while it runs and `waiting` is false.
    private func status(waiting: Bool) -> Int32? {
        ended.withLock { ended in
            if let ended { return ended }
            var status: Int32 = 0
            while true {
                let found = waitpid(pid, &status, waiting ? 0 : WNOHANG)
                if found == pid {
                    ended = status
                    return status
                }
                if found == -1 && errno == EINTR { continue }
                return nil
            }
        }
    }
}
