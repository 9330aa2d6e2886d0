import StrataCore
import Yams

extension DefinitionLoader {
    mutating func loadActivation(_ name: String, _ document: YAMLDocument) {
        guard document.diagnostics.isEmpty else { return }
        let errorsBefore = errorCount
        guard
            let activationFields = fields(
                of: document.root, in: document, allowed: DefinitionLoader.activationKeys, what: "an activation")
        else { return }
        for key in ["segment", "on", "steps"] where activationFields[key] == nil {
            diagnostics.append(document.error(.missingKey, "an activation needs `\(key)`", at: document.root))
        }
        let title = text(activationFields["title"], "title", in: document)
        var scope = ProfileKind.users
        let segment = text(activationFields["segment"], "segment", in: document)
        if let segment, let field = activationFields["segment"] {
            if let kind = symbols.segments[segment] {
                scope = kind
            } else {
                diagnostics.append(
                    document.error(
                        .unknownSegment, "unknown segment `\(segment)`", at: field.value,
                        suggestion: Suggestion.nearest(to: segment, in: Array(symbols.segments.keys))))
            }
        }
        let trigger = choice(activationFields["on"], "on", Activation.Trigger.allCases.map(\.rawValue), in: document)
            .flatMap(Activation.Trigger.init)
        let category =
            choice(activationFields["category"], "category", Activation.Category.allCases.map(\.rawValue), in: document)
            .flatMap(Activation.Category.init) ?? .marketing
        let priority =
            wholeNumber(activationFields["priority"], "priority", in: -1_000_000...1_000_000, in: document) ?? 0
        var reentry = Activation.Reentry.always
        if let field = activationFields["reentry"], let value = text(field, "reentry", in: document) {
            switch value {
            case "always": reentry = .always
            case "never": reentry = .never
            default:
                if let span = Self.duration(value), span > 0 {
                    reentry = .every(span)
                } else {
                    diagnostics.append(
                        document.error(
                            .invalidValue,
                            "expected `reentry` to be always, never or a duration such as 30d, found `\(value)`",
                            at: field.value))
                }
            }
        }
        let holdout = percentage(activationFields["holdout"], "holdout", in: document) ?? 0
        let rollout = percentage(activationFields["rollout"], "rollout", in: document) ?? 10_000
        var goal: TypedExpr?
        if let field = activationFields["goal"] {
            goal = expression(field.value, "goal", in: document, role: .activationGoal, scope: scope, owner: nil)
        }
        let window =
            duration(activationFields["conversion_window"], "conversion_window", in: document) ?? 7 * 86_400_000
        var steps: [Activation.Step] = []
        if let field = activationFields["steps"] {
            if case .sequence(let items) = field.value, !items.isEmpty {
                for item in items {
                    if let step = loadStep(item, in: document, scope: scope, marketing: category == .marketing) {
                        steps.append(step)
                    }
                }
            } else {
                diagnostics.append(
                    document.error(
                        .invalidValue, "expected `steps` to be a non-empty list of steps (`- destination: NAME`)",
                        at: field.value))
            }
        }
        guard let segment, let trigger, errorCount == errorsBefore else { return }
        activations.append(
            Activation(
                name: name, file: document.path, title: title, segment: segment, trigger: trigger, category: category,
                priority: priority, reentry: reentry, holdout: holdout, rollout: rollout, goal: goal,
                conversionWindow: window, steps: steps))
    }

    mutating func loadStep(
        _ node: Node, in document: YAMLDocument, scope: ProfileKind, marketing: Bool
    ) -> Activation.Step? {
        guard let stepFields = fields(of: node, in: document, allowed: DefinitionLoader.stepKeys, what: "a step") else {
            return nil
        }
        let errorsBefore = errorCount
        let after = duration(stepFields["after"], "after", in: document) ?? 0
        guard let destinationField = stepFields["destination"] else {
            diagnostics.append(document.error(.missingKey, "a step needs `destination`", at: node))
            return nil
        }
        let destination = text(destinationField, "destination", in: document)
        if let destination, !destinationNames.contains(destination) {
            diagnostics.append(
                document.error(
                    .unknownDestination,
                    "unknown destination `\(destination)`: expected destinations/\(destination).yaml",
                    at: destinationField.value,
                    suggestion: Suggestion.nearest(to: destination, in: Array(destinationNames))))
        }
        let template = text(stepFields["template"], "template", in: document)
        if let template { requireTemplate(template, at: stepFields["template"]?.value, in: document) }
        var variants: [Activation.Variant] = []
        if let field = stepFields["variants"] {
            if case .mapping(let pairs) = field.value, !pairs.isEmpty {
                var total = 0.0
                for (key, value) in pairs {
                    guard let variantName = key.string, !variantName.isEmpty,
                        let variantFields = fields(
                            of: value, in: document, allowed: DefinitionLoader.variantKeys, what: "a variant")
                    else { continue }
                    guard let weight = number(variantFields["weight"], "weight", in: document), weight > 0 else {
                        diagnostics.append(
                            document.error(.missingKey, "a variant needs a `weight` above 0 (percent)", at: value))
                        continue
                    }
                    let variantTemplate = text(variantFields["template"], "template", in: document)
                    if let variantTemplate {
                        requireTemplate(variantTemplate, at: variantFields["template"]?.value, in: document)
                    }
                    total += weight
                    variants.append(Activation.Variant(name: variantName, weight: weight, template: variantTemplate))
                }
                if abs(total - 100) > 1e-9, variants.count == pairs.count {
                    diagnostics.append(
                        document.error(
                            .invalidValue, "the variants' weights sum to \(total.literalText), not 100", at: field.value
                        ))
                }
            } else {
                diagnostics.append(
                    document.error(
                        .invalidValue, "expected `variants` to be a mapping of names to {weight, template}",
                        at: field.value))
            }
        }
        var when: TypedExpr?
        var whenSource: String?
        if let field = stepFields["when"] {
            when = expression(field.value, "when", in: document, role: .stepCondition, scope: scope, owner: nil)
            whenSource = field.value.string
        }
        if let destination, case .smtp? = destinations.first(where: { $0.name == destination })?.kind {
            checkEmailStep(
                templates: variants.isEmpty ? [template] : variants.map { $0.template ?? template },
                marketing: marketing, at: destinationField.value, in: document)
        }
        guard let destination, errorCount == errorsBefore else { return nil }
        return Activation.Step(
            after: after, destination: destination, template: template, variants: variants, when: when,
            whenSource: whenSource)
    }

    /// An email step needs a template with a subject for each message it sends, and marketing mail needs
    /// `public_url` for its unsubscribe link.
    private mutating func checkEmailStep(
        templates names: [String?], marketing: Bool, at node: Node, in document: YAMLDocument
    ) {
        if marketing, messaging.publicURL == nil {
            diagnostics.append(
                document.error(
                    .missingKey,
                    "marketing email needs `public_url` in strata.yaml: every message carries an unsubscribe link to it",
                    at: node))
        }
        for name in Set(names.map { $0 ?? "" }).sorted() {
            guard !name.isEmpty else {
                diagnostics.append(
                    document.error(
                        .missingKey, "an email step needs `template`: a template with `subject:` in its front matter",
                        at: node))
                continue
            }
            if let found = templates.first(where: { $0.name == name }), found.subject == nil {
                diagnostics.append(
                    document.error(
                        .missingKey, "template `\(name)` is sent by email, so it needs `subject:` in its front matter",
                        at: node))
            }
        }
    }
}
