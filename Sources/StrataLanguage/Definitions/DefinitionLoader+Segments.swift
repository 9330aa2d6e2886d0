import Yams

extension DefinitionLoader {
    static let segmentKeys = [
        "title", "description", "of", "owner", "refresh", "where", "min_size", "success_metric", "reviewed",
    ]

    mutating func loadSegment(_ name: String, _ document: YAMLDocument) {
        guard document.diagnostics.isEmpty else { return }
        let errorsBefore = errorCount
        guard
            let fields = fields(
                of: document.root, in: document, allowed: DefinitionLoader.segmentKeys, what: "a segment")
        else { return }
        let title = label(fields["title"], "title", in: document)
        let description = label(fields["description"], "description", in: document)
        let owner = label(fields["owner"], "owner", in: document)
        let successMetric = label(fields["success_metric"], "success_metric", in: document)
        let of =
            choice(fields["of"], "of", ProfileKind.allCases.map(\.rawValue), in: document).flatMap(ProfileKind.init)
            ?? .users
        let refresh =
            choice(fields["refresh"], "refresh", Refresh.allCases.map(\.rawValue), in: document).flatMap(Refresh.init)
            ?? .realtime
        var minSize: Int?
        if let field = fields["min_size"], let value = text(field, "min_size", in: document) {
            if let size = Int(value), size >= 0 {
                minSize = size
            } else {
                diagnostics.append(
                    document.error(
                        .invalidValue, "expected `min_size` to be a whole number >= 0, found `\(value)`",
                        at: field.value))
            }
        }
        var reviewed: DateLiteral?
        if let field = fields["reviewed"], !field.value.isNull {
            reviewed = date(field.value, "reviewed", in: document)
        }
        guard let condition = fields["where"] else {
            diagnostics.append(
                document.error(.missingKey, "a segment needs `where`, its membership condition", at: document.root))
            return
        }
        let typed = expression(
            condition.value, "where", in: document, role: .segmentCondition, scope: of,
            owner: DefinitionID(.segment, name))
        guard let typed, errorCount == errorsBefore else { return }
        segments.append(
            SegmentDefinition(
                name: name, file: document.path, title: title, description: description, of: of, owner: owner,
                refresh: refresh, condition: typed, minSize: minSize, successMetric: successMetric, reviewed: reviewed))
    }
}
