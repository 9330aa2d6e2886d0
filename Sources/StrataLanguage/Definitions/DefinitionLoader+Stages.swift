import Yams

extension DefinitionLoader {
    static let stageModelKeys = ["stages", "title", "description", "owner"]

    mutating func loadStageModel(_ name: String, _ document: YAMLDocument) {
        guard document.diagnostics.isEmpty else { return }
        let errorsBefore = errorCount
        let owner = DefinitionID(.stage, name)
        guard
            let fields = fields(
                of: document.root, in: document, allowed: DefinitionLoader.stageModelKeys, what: "a stage model")
        else { return }
        let title = label(fields["title"], "title", in: document)
        let description = label(fields["description"], "description", in: document)
        let ownerName = label(fields["owner"], "owner", in: document)
        guard let stagesField = fields["stages"] else {
            diagnostics.append(
                document.error(.missingKey, "a stage model needs `stages`, an ordered list", at: document.root))
            return
        }
        guard case .sequence(let items) = stagesField.value, !items.isEmpty else {
            diagnostics.append(
                document.error(
                    .invalidValue, "expected `stages` to be a non-empty list of `- name: condition` entries",
                    at: stagesField.value))
            return
        }
        var stages: [StageModel.Stage] = []
        var names: Set<String> = []
        for (index, item) in items.enumerated() {
            guard case .mapping(let mapping) = item, mapping.count == 1, let (key, value) = mapping.first,
                case .scalar(let keyScalar) = key, !keyScalar.string.isEmpty
            else {
                diagnostics.append(
                    document.error(
                        .invalidValue, "expected each stage to be one `name: condition` pair (or `name: else`)",
                        at: item))
                continue
            }
            let stageName = keyScalar.string
            if !names.insert(stageName).inserted {
                diagnostics.append(document.error(.invalidName, "stage `\(stageName)` is listed twice", at: key))
            }
            if case .scalar(let scalar) = value, scalar.string == "else", scalar.style == .plain || scalar.style == .any
            {
                if index != items.count - 1 {
                    diagnostics.append(
                        document.error(
                            .invalidValue, "`else` must be the last stage: later stages never match", at: value))
                }
                stages.append(StageModel.Stage(name: stageName, condition: nil))
                continue
            }
            if let condition = expression(value, stageName, in: document, role: .stageCondition, owner: owner) {
                stages.append(StageModel.Stage(name: stageName, condition: condition))
            }
        }
        guard errorCount == errorsBefore else { return }
        stageModels.append(
            StageModel(
                name: name, file: document.path, title: title, description: description, owner: ownerName,
                stages: stages))
    }

    mutating func loadTraits() {
        guard let document = traitsDocument, document.diagnostics.isEmpty, let root = document.root, !root.isNull else {
            return
        }
        guard case .mapping(let mapping) = root else {
            diagnostics.append(
                document.error(.invalidValue, "expected traits.yaml to be a mapping of name: expression", at: root))
            return
        }
        for (key, value) in mapping {
            guard case .scalar(let keyScalar) = key, DefinitionLoader.isTraitName(keyScalar.string) else {
                diagnostics.append(
                    document.error(
                        .invalidName,
                        "expected a computed trait name: a letter or `_`, then letters, digits, `_` or `-`", at: key))
                continue
            }
            let name = keyScalar.string
            let errorsBefore = errorCount
            if let typed = expression(
                value, name, in: document, role: .computedTrait, owner: DefinitionID(.computed, name)),
                errorCount == errorsBefore
            {
                symbols.computed[name] = typed.type
                computedTraits.append(ComputedTrait(name: name, expression: typed))
            }
        }
    }
}
