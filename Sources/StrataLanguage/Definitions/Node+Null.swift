import Yams

extension Node {
    /// Whether the node is a YAML null (`~`, `null`, or nothing).
    var isNull: Bool {
        guard case .scalar(let scalar) = self, scalar.style == .plain || scalar.style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }
}
