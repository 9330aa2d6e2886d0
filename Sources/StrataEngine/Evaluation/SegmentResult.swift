import StrataLanguage

/// The members of one segment at one instant.
public struct SegmentResult: Sendable {
    /// The segment's name.
    public var name: String
    /// Whether members are users or accounts.
    public var kind: ProfileKind
    /// Member profile ids, sorted by bytes.
    public var members: [String]
    /// Membership by profile index (in the timelines of ``kind``).
    public var flags: [Bool]
    /// How many profiles of the kind were evaluated.
    public var population: Int
    /// How long compiling and evaluating took, in seconds (definitions it reads are timed on their own).
    public var seconds: Double

    /// A result from its parts.
    public init(name: String, kind: ProfileKind, members: [String], flags: [Bool], population: Int, seconds: Double) {
        self.name = name
        self.kind = kind
        self.members = members
        self.flags = flags
        self.population = population
        self.seconds = seconds
    }
}
