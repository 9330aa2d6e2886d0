import StrataCore

extension Generator {
    /// What to generate: the profile, how many users over how many days ending when, and the seed.
    public struct Configuration: Sendable, Equatable {
        /// 2026-07-01T00:00:00.000Z, the default end of the generated period.
        public static let defaultEnd: Int64 = 1_782_864_000_000

        /// The largest number of users accepted.
        public static let maximumUsers = 100_000_000

        /// The largest number of days accepted.
        public static let maximumDays = 3650

        /// The mix of users.
        public var profile: Profile
        /// How many users (each one produces at least one message).
        public var users: Int
        /// The length of the period, in days.
        public var days: Int
        /// The seed: the same configuration always gives the same bytes.
        public var seed: UInt64
        /// The end of the period, epoch milliseconds; events fall in (end - days, end].
        public var end: Int64

        /// A configuration; `end` defaults to 2026-07-01T00:00:00Z.
        public init(profile: Profile, users: Int, days: Int, seed: UInt64, end: Int64 = Configuration.defaultEnd) {
            self.profile = profile
            self.users = users
            self.days = days
            self.seed = seed
            self.end = end
        }

        /// The exclusive start of the period, epoch milliseconds.
        public var start: Int64 { end - Int64(days) * Instant.day }

        /// Checks the numbers are usable, throwing an error that says which one is not and why.
        public func validate() throws(ConfigurationError) {
            guard users >= 1, users <= Self.maximumUsers else {
                throw ConfigurationError("users must be between 1 and \(Self.maximumUsers), got \(users)")
            }
            guard days >= 1, days <= Self.maximumDays else {
                throw ConfigurationError("days must be between 1 and \(Self.maximumDays), got \(days)")
            }
            let earliest = Int64(CivilDate(year: 1971, month: 1, day: 1).daysSinceEpoch) * Instant.day
            let latest = Int64(CivilDate(year: 9999, month: 1, day: 1).daysSinceEpoch) * Instant.day
            guard start >= earliest, end < latest else {
                throw ConfigurationError(
                    "the period \(Instant.format(start)) to "
                        + "\(Instant.format(end)) must lie between 1971 and 9999")
            }
        }
    }

    /// A configuration that cannot be generated, with a message naming the offending value.
    public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
        /// What is wrong, in words.
        public let message: String

        /// An error with this message.
        public init(_ message: String) { self.message = message }

        /// The message.
        public var description: String { message }
    }
}
