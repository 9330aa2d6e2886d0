import StrataCore

/// The activations page: every activation as `GET /api/v1/activations` lists it, with its segment,
/// trigger, holdout, rollout, steps and today's deliveries by status.
public struct ActivationsPage: Sendable {
    /// An activation as the pages show it.
    public struct Row: Sendable {
        let name: String
        /// The activation's page.
        let href: String
        let title: String?
        /// The segment it acts on.
        public let segment: String
        let segmentHref: String
        let trigger: String
        let category: String
        let priority: String
        let holdout: String
        let rollout: String
        let steps: String
        let deliveries: String

        /// The row of an activation's summary object.
        public init(summary: [String: JSONValue]) {
            func text(_ key: String) -> String { ProfilePage.text(summary[key]) }
            name = text("name")
            href = Paths.activation(name)
            title = summary["title"]?.stringValue
            segment = text("segment")
            segmentHref = Paths.segment(segment)
            trigger = text("on")
            category = text("category")
            priority = text("priority")
            holdout = text("holdout")
            rollout = text("rollout")
            var steps: [String] = []
            if case .array(let items)? = summary["steps"] {
                for item in items {
                    let step = item.objectValue ?? [:]
                    let after = Int64(step["after_ms"]?.numberValue ?? 0)
                    let template = step["template"]?.stringValue.map { " (template \($0))" } ?? ""
                    steps.append(
                        (after > 0 ? "after \(Format.duration(after)): " : "") + ProfilePage.text(step["destination"])
                            + template)
                }
            }
            self.steps = steps.joined(separator: "; ")
            let counts = (summary["deliveries"]?.objectValue ?? [:]).sorted { $0.key < $1.key }
            deliveries =
                counts.isEmpty
                ? "none" : counts.map { "\(ProfilePage.text($0.value)) \($0.key)" }.joined(separator: ", ")
        }
    }

    let rows: [Row]
    let since: String

    /// The page of the activations' summaries, their deliveries counted since `since`.
    public init(summaries: [JSONValue], since: String) {
        rows = summaries.compactMap { $0.objectValue.map(Row.init) }
        self.since = since
    }
}
