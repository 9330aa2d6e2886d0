/// The size of every segment as of one instant, as `strata run` computed them: what the next run
/// compares its sizes with. Members are not kept: the change log holds who entered and left.
public struct MembershipRun: Sendable, Equatable {
    /// One segment's result.
    public struct Segment: Sendable, Equatable {
        /// The segment's name.
        public var name: String
        /// How many members it had.
        public var size: Int
        /// How long evaluating it took, in seconds.
        public var seconds: Double

        /// A result from its parts.
        public init(name: String, size: Int, seconds: Double) {
            self.name = name
            self.size = size
            self.seconds = seconds
        }
    }

    /// The evaluation instant.
    public var asOf: Int64
    /// When the run happened.
    public var computedAt: Int64
    /// The number of profiles evaluated (users), for percentages.
    public var profiles: Int
    /// The segments, by name.
    public var segments: [Segment]

    /// A run from its parts.
    public init(asOf: Int64, computedAt: Int64, profiles: Int, segments: [Segment]) {
        self.asOf = asOf
        self.computedAt = computedAt
        self.profiles = profiles
        self.segments = segments
    }
}
