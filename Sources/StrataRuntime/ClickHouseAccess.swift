import StrataClickHouse

/// How a report brings ClickHouse's copy of the message log up to date before it evaluates there
/// (a workspace with `store: clickhouse`).
public enum ClickHouseAccess: Sendable {
    /// Ships the messages ClickHouse lacks and carries out the erasures it lacks first: a command, the
    /// one shipper of its process.
    case shipping(Settings)
    /// Waits until the server's background shipping holds every message stored by now and has carried
    /// out every erasure, failing after the duration; ships nothing itself, since a second shipper in
    /// the server's process could store a batch twice.
    case shipped(ClickHouseShipping, within: Duration)
}
