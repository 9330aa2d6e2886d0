import StrataRuntime

extension Dashboard {
    /// The reports a segment's page shows (its retention against the baseline, its overlap with the
    /// others) and an activation's lift: each reads the stored events, too slow to run for every view
    /// of a large workspace, so each is kept for ``Server/Configuration/maxEvaluationAge`` as the overview's
    /// ``Trends`` are.
    actor KeptReports {
        private var kept: [String: (table: ReportTable, at: ContinuousClock.Instant)] = [:]

        /// The report kept under a key, made again when older than `maxAge`; older ones are dropped.
        func table(
            _ key: String, maxAge: Duration, make: () async throws -> ReportTable
        ) async throws -> ReportTable {
            let now = ContinuousClock.now
            kept = kept.filter { now - $0.value.at < maxAge }
            if let entry = kept[key] { return entry.table }
            let table = try await make()
            kept[key] = (table, .now)
            return table
        }
    }
}
