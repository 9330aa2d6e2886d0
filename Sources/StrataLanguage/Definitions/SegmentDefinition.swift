/// A checked segment (segments/NAME.yaml).
public struct SegmentDefinition: Sendable {
    /// The file stem, kebab-case.
    public var name: String
    /// The workspace-relative file.
    public var file: String
    /// A human title.
    public var title: String?
    /// What the segment is for.
    public var description: String?
    /// Users (default) or accounts.
    public var of: ProfileKind
    /// The owning team or person.
    public var owner: String?
    /// How often population-relative parts refresh.
    public var refresh: Refresh
    /// The membership condition (type bool or dynamic).
    public var condition: TypedExpr
    /// The health-check minimum size, reported when the segment is smaller.
    public var minSize: Int?
    /// The metric the segment is meant to move.
    public var successMetric: String?
    /// When the definition was last reviewed.
    public var reviewed: DateLiteral?

    /// A segment from its parts.
    public init(
        name: String, file: String, title: String? = nil, description: String? = nil, of: ProfileKind = .users,
        owner: String? = nil, refresh: Refresh = .realtime, condition: TypedExpr, minSize: Int? = nil,
        successMetric: String? = nil, reviewed: DateLiteral? = nil
    ) {
        self.name = name
        self.file = file
        self.title = title
        self.description = description
        self.of = of
        self.owner = owner
        self.refresh = refresh
        self.condition = condition
        self.minSize = minSize
        self.successMetric = successMetric
        self.reviewed = reviewed
    }
}
