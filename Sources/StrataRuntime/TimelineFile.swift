import Foundation
import Logging
import StrataEngine
import StrataStore

/// The workspace's timelines file: the log's messages packed as the batch engine reads them
/// (``TimelineSnapshot``), so that a batch command reads the file and only the messages after it
/// rather than decoding every stored message.
///
/// The file is derived from the log and never the only copy: it is served only when it is whole (its
/// checksum), of this Strata's format, covers no more of the log than the log holds, and was written
/// with as many ids erased as the store has erased; otherwise it is rebuilt from the log, with a log
/// line saying why. Erasing a profile removes it (``SQLiteStore``).
public struct TimelineFile: Sendable {
    /// Where the file is.
    public let url: URL
    /// How many ids the store had erased when the session was made.
    let erasures: Int
    /// The fewest messages after the file that are worth writing it again for (``worthRewriting(later:covered:)``).
    public var rewriteMinimum = 65_536

    /// The file at `url`, for a store that has erased `erasures` ids.
    public init(url: URL, erasures: Int) {
        self.url = url
        self.erasures = erasures
    }

    /// Whether `later` messages after a file covering `covered` are worth writing it again for: at least
    /// an eighth of those it covers, and at least ``rewriteMinimum``. Reading a few messages from the
    /// log costs less than writing the file.
    func worthRewriting(later: Int, covered: Int) -> Bool {
        later >= max(rewriteMinimum, covered / 8)
    }

    /// The snapshot in the file, or nil when there is none or it cannot be served (the reason logged).
    func load(lastSequence: Int64, logger: Logger) -> TimelineSnapshot? {
        let bytes: [UInt8]
        do {
            guard let read = try DurableFile.read(url) else {
                logger.debug("timelines: no file yet; reading the log", metadata: ["file": "\(url.path)"])
                return nil
            }
            bytes = read
        } catch {
            logger.info("timelines: cannot read the file; rebuilding it from the log", metadata: ["error": "\(error)"])
            return nil
        }
        let snapshot: TimelineSnapshot
        do {
            snapshot = try TimelineSnapshot(decoding: bytes)
        } catch {
            logger.info(
                "timelines: the file cannot be served; rebuilding it from the log",
                metadata: ["file": "\(url.path)", "reason": "\(error)"])
            return nil
        }
        if snapshot.sequence > lastSequence || snapshot.erasures != erasures {
            logger.info(
                "timelines: the file is stale (the log lost messages since it was written); rebuilding it",
                metadata: [
                    "file": "\(url.path)", "covers": "\(snapshot.sequence)", "log": "\(lastSequence)",
                    "erasures": "\(snapshot.erasures)", "erased": "\(erasures)",
                ])
            return nil
        }
        return snapshot
    }

    /// Replaces the file with a snapshot, crash-safely (a new file, synced, renamed over the old one).
    func write(_ snapshot: TimelineSnapshot, logger: Logger) throws(SessionError) {
        do {
            try DurableFile.replace(url, with: snapshot.encoded())
            logger.debug(
                "timelines: file written",
                metadata: ["covers": "\(snapshot.sequence)", "messages": "\(snapshot.messages)"])
        } catch {
            throw SessionError(.store, "cannot write the timelines file: \(error)")
        }
    }
}
