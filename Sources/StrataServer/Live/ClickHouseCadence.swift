import StrataRuntime

/// Recomputes cadence segments inside ClickHouse (`store: clickhouse`), as `strata run` evaluates
/// segments there: as of now, once the background shipping holds every message stored by now and has
/// carried out every erasure. When it does not within ``wait`` (ClickHouse is down, say), or ClickHouse
/// fails, the recomputation fails, and the live service logs it and tries again a minute later.
struct ClickHouseCadence: CadenceEvaluator {
    /// Where the definitions come from.
    let workbench: Workbench
    /// The server's background shipping, waited for.
    let shipping: ClickHouseShipping
    /// The current instant in milliseconds.
    let clock: @Sendable () -> Int64
    /// The longest wait for the shipping to catch up.
    let wait: Duration

    var isEmbedded: Bool { false }
    var name: String { "clickhouse" }

    func memberships(of names: [String]) async throws -> (instant: Int64, members: [String: Set<String>]) {
        let instant = clock()
        let session = try await workbench.session()
        return (
            instant, try await session.clickHouseMemberships(shipping, of: names, asOf: instant, waitingAtMost: wait)
        )
    }
}
