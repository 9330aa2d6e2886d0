/// Why a profile is or is not in a segment: the segment's expression tree with the value of every
/// sub-expression for that profile.
public struct Explanation: Sendable {
    /// One sub-expression and its value.
    public struct Node: Sendable {
        /// The source text of the sub-expression, or the operator for connectives and comparisons.
        public var label: String
        /// Its value for the profile.
        public var value: Value
        /// Whether the label is an operator (`and`, `<=`...), shown as `op -> value`.
        public var isOperator: Bool
        /// A remark, e.g. the account an `account.` expression was evaluated for.
        public var note: String?
        /// The operands worth showing (literals are left out).
        public var children: [Node]

        /// A node from its parts.
        public init(label: String, value: Value, isOperator: Bool, note: String? = nil, children: [Node] = []) {
            self.label = label
            self.value = value
            self.isOperator = isOperator
            self.note = note
            self.children = children
        }
    }

    /// The segment's name.
    public var segment: String
    /// The profile's id.
    public var profile: String
    /// Whether the profile is a member.
    public var isMember: Bool
    /// The expression tree.
    public var root: Node

    /// An explanation from its parts.
    public init(segment: String, profile: String, isMember: Bool, root: Node) {
        self.segment = segment
        self.profile = profile
        self.isMember = isMember
        self.root = root
    }

    /// The tree as text:
    ///
    /// ```
    /// at-risk-users: false
    /// └─ or -> false
    ///    ├─ <= -> false
    ///    │  ├─ count("Logged In", last 30d) = 3
    ///    │  └─ 0.4 * count("Logged In", from 60d ago to 30d ago) = 2.4
    /// ```
    public func render() -> String {
        var lines = ["\(segment): \(isMember ? "true" : "false")"]
        Self.render(root, prefix: "", last: true, into: &lines)
        return lines.joined(separator: "\n")
    }

    private static func render(_ node: Node, prefix: String, last: Bool, into lines: inout [String]) {
        let text =
            node.isOperator ? "\(node.label) -> \(node.value.displayText)" : "\(node.label) = \(node.value.displayText)"
        lines.append(prefix + (last ? "└─ " : "├─ ") + text + (node.note.map { "  (\($0))" } ?? ""))
        let childPrefix = prefix + (last ? "   " : "│  ")
        for (i, child) in node.children.enumerated() {
            render(child, prefix: childPrefix, last: i == node.children.count - 1, into: &lines)
        }
    }
}
