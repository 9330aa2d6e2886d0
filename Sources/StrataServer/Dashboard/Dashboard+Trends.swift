import StrataDashboard
import StrataEngine
import StrataRuntime

extension Dashboard {
    /// The reports the overview shows besides the recorded sizes: every segment's last 30 days (the
    /// sizes report reads the whole change log) and the health findings (the health report evaluates
    /// every definition). Too slow to run for every page at a million profiles, they are kept for
    /// ``Server/Configuration/maxEvaluationAge`` and made again sooner when the segments change.
    actor Trends {
        /// What the overview shows, for some segments, as of an instant.
        struct Figures: Sendable {
            var segments: [String]
            var days: [String: [Day]]
            var findings: [String: [Overview.Flag]]
            var computedAt: Int64
        }

        private var kept: (figures: Figures, at: ContinuousClock.Instant)?

        /// The figures of these segments, made again when the kept ones are older than `maxAge` or of
        /// other segments.
        func figures(
            of segments: [String], maxAge: Duration, make: () async throws -> Figures
        ) async throws -> Figures {
            if let kept, kept.figures.segments == segments, ContinuousClock.now - kept.at < maxAge {
                return kept.figures
            }
            let figures = try await make()
            kept = (figures, .now)
            return figures
        }
    }
}
