import Logging
import Synchronization

/// Keeps the records a logger writes, for tests that read the server's log.
final class LogRecorder: Sendable {
    struct Record: Sendable {
        var message: String
        var metadata: [String: String]
    }

    private let kept = Mutex<[Record]>([])

    /// The records so far.
    var records: [Record] { kept.withLock { $0 } }

    /// A logger writing here at `level` and above.
    func logger(level: Logger.Level) -> Logger {
        var logger = Logger(label: "strata.server") { _ in Handler(recorder: self) }
        logger.logLevel = level
        return logger
    }

    fileprivate func keep(_ record: Record) { kept.withLock { $0.append(record) } }

    private struct Handler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { _, new in new }
            recorder.keep(
                Record(message: "\(event.message)", metadata: all.mapValues { "\($0)" }))
        }
    }
}
