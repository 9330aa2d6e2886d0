import Synchronization

/// How many refused messages each write key may still write to quarantine in the current minute of
/// the server's clock, so that one client cannot fill the disk with refusals.
final class QuarantineQuota: Sendable {
    private struct Used {
        var minute: Int64
        var rows: Int
    }

    private let perMinute: Int
    private let used = Mutex<[Int64: Used]>([:])

    /// A quota of `perMinute` rows a key a minute.
    init(perMinute: Int) { self.perMinute = perMinute }

    /// Takes up to `wanted` rows of a key's quota at an instant (ms); returns how many it may write.
    func take(_ wanted: Int, key: Int64, at instant: Int64) -> Int {
        let minute = instant / 60_000
        return used.withLock { used in
            // Keys seen in earlier minutes start again from nothing.
            used = used.filter { $0.value.minute == minute }
            var current = used[key] ?? Used(minute: minute, rows: 0)
            let granted = min(wanted, max(0, perMinute - current.rows))
            current.rows += granted
            used[key] = current
            return granted
        }
    }
}
