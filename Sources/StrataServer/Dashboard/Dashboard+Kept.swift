extension Dashboard {
    /// Figures too slow to make for every view of a large workspace: the reports over the stored events
    /// (retention, overlap, lift, health) and over the change log (sizes by day). Each is kept under a
    /// key and shown at once, however old, with when it was made; none is ever waited for. When nothing
    /// is kept under a key yet, or what is kept is older than the evaluation age
    /// (``Server/Configuration/maxEvaluationAge``), it is made again in the background, on the
    /// ``BackgroundExecutor``, one at a time for a key, and replaces the old one when done. A page
    /// shows a figure being made for the first time as such. What nobody asked for during ten
    /// evaluation ages is dropped.
    actor Kept<Value: Sendable> {
        /// What was made under a key, or why it could not be: a failure is kept as a value is, so that
        /// pages say why until it is made again.
        struct Made: Sendable {
            var result: Result<Value, any Error>
            /// When it was made (the clock of the figures is the caller's: ``Value`` says its instant).
            var at: ContinuousClock.Instant
        }

        private var made: [String: (made: Made, read: ContinuousClock.Instant)] = [:]
        private var making: Set<String> = []

        /// What is kept under `key`, nil while the first is being made; starts making it again in the
        /// background when nothing is kept or it is older than `maxAge`.
        func value(
            _ key: String, maxAge: Duration, make: @escaping @Sendable () async throws -> Value
        ) -> Made? {
            let now = ContinuousClock.now
            made = made.filter { $0.key == key || now - $0.value.read < maxAge * 10 }
            if made[key].map({ now - $0.made.at >= maxAge }) ?? true, !making.contains(key) {
                making.insert(key)
                Task(executorPreference: BackgroundExecutor.shared) {
                    let result: Result<Value, any Error>
                    do {
                        result = .success(try await make())
                    } catch {
                        result = .failure(error)
                    }
                    await self.keep(result, under: key)
                }
            }
            made[key]?.read = now
            return made[key]?.made
        }

        private func keep(_ result: Result<Value, any Error>, under key: String) {
            made[key] = (Made(result: result, at: .now), .now)
            making.remove(key)
        }
    }
}
