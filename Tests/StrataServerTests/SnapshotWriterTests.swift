import Foundation
import Logging
import StrataCore
import StrataEngine
import StrataLanguage
import StrataStore
import Testing

@testable import StrataServer

/// The live engine's snapshot writer at shutdown: a write that cannot finish does not hold up a stop
/// cut short by `shutdown_timeout`.
@Suite struct SnapshotWriterTests {
    @Test(.timeLimit(.minutes(1)))
    func finishingReturnsWhenCancelledWhileAWriteIsStuck() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("strata-snapshots-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("strata.db-live-snapshot")
        // The write's new file is a pipe nobody reads: opening it to write waits until someone does.
        let pipe = DurableFile.temporaryURL(of: url).path
        #expect(mkfifo(pipe, 0o600) == 0)
        let writer = SnapshotWriter(url: url, metrics: Metrics(), logger: Logger(label: "test"))
        let engine = LiveEngine(definitions: Definitions.load(DefinitionFiles([:])), zone: .utc, now: 0)
        writer.write(engine.snapshot(fingerprint: "f", sequence: 0, anchor: ""), sequence: 0, paced: true)
        #expect(writer.isWriting)
        let finishing = Task { await writer.finish() }
        finishing.cancel()
        await finishing.value
        #expect(writer.isWriting)
        // Someone reads the pipe: the write goes on, fails (a pipe cannot be shortened or synced), and
        // the writer is done.
        let reader = open(pipe, O_RDONLY | O_NONBLOCK)
        #expect(reader >= 0)
        defer { close(reader) }
        await writer.finish()
        #expect(!writer.isWriting)
        #expect(!FileManager.default.fileExists(atPath: url.path))
    }
}
