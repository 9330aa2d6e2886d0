import Foundation
import Synchronization

/// A one-line progress bar on standard error, with rate and ETA; silent when stderr is not a terminal.
final class ProgressBar: Sendable {
    private let enabled: Bool
    private let start = Date()
    private let lastDraw = Mutex<Date?>(nil)

    init() {
        enabled = isatty(STDERR_FILENO) != 0
    }

    /// Redraws the bar, at most five times a second.
    func update(done: Int64, total: Int64, items: Int, unit: String) {
        guard enabled else { return }
        let now = Date()
        let due = lastDraw.withLock { last -> Bool in
            if let last, now.timeIntervalSince(last) < 0.2, done < total { return false }
            last = now
            return true
        }
        guard due else { return }
        let elapsed = max(now.timeIntervalSince(start), 0.001)
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 1
        let width = 30
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let rate = Double(items) / elapsed
        let eta = fraction > 0 ? elapsed * (1 - fraction) / fraction : 0
        let line = String(
            format: "\r[%@] %3.0f%% %@ %@ %@/s ETA %@ ", bar, fraction * 100, compact(Double(items)), unit,
            compact(rate), duration(eta))
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// Clears the bar's line.
    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }

    private func compact(_ value: Double) -> String {
        if value >= 1_000_000 { return String(format: "%.1fM", value / 1_000_000) }
        if value >= 1000 { return String(format: "%.0fk", value / 1000) }
        return String(format: "%.0f", value)
    }

    private func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 60 ? "\(s / 60)m\(s % 60)s" : "\(s)s"
    }
}
