import Foundation

/// Every checked definition of a workspace, with the diagnostics found while loading them.
///
/// Only definitions whose own file checked without errors are listed; `diagnostics` holds everything,
/// sorted by file and position. Cross-definition problems (unknown references, cycles) are errors too.
public struct Definitions: Sendable {
    /// Segments, by name.
    public var segments: [SegmentDefinition]
    /// Scores, by name.
    public var scores: [ScoreDefinition]
    /// Stage models, by name.
    public var stageModels: [StageModel]
    /// Computed traits, in file order.
    public var computedTraits: [ComputedTrait]
    /// RFM settings (defaults when there is no rfm.yaml).
    public var rfm: RFMSettings
    /// Activations, by name.
    public var activations: [Activation]
    /// Destinations, by name.
    public var destinations: [Destination]
    /// Message templates, by name.
    public var templates: [Template]
    /// The messaging rules of `strata.yaml`.
    public var messaging: Messaging
    /// What each definition reads directly (`segment("x")`, `score.x`, `stage.x`, `computed.x`, `rfm.*`,
    /// `percentile(..., among: "x")`).
    public var dependencies: [DefinitionID: Set<DefinitionID>]
    /// Every definition, each after the ones it depends on (definitions in a cycle come last).
    public var evaluationOrder: [DefinitionID]
    /// Errors and warnings, sorted by file and position.
    public var diagnostics: [Diagnostic]

    /// Whether any diagnostic is an error.
    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

    /// Loads and checks definitions from their texts.
    ///
    /// - Parameters:
    ///   - files: the definition files.
    ///   - knownEvents: event names seen in the store; names outside it are warned about. nil skips the check.
    ///   - knownTraits: user trait names seen in the store (warnings as above).
    ///   - knownAccountTraits: account trait names seen in the store (warnings as above).
    ///   - environment: what `${NAME}` in activation files reads (the process's environment by default).
    public static func load(
        _ files: DefinitionFiles, knownEvents: Set<String>? = nil, knownTraits: Set<String>? = nil,
        knownAccountTraits: Set<String>? = nil, environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> Definitions {
        var loader = DefinitionLoader(
            files: files, symbols: Symbols(events: knownEvents, traits: knownTraits, accountTraits: knownAccountTraits),
            environment: environment)
        return loader.run()
    }

    /// Reads the definition files under a workspace root, then loads and checks them.
    public static func load(
        from root: URL, knownEvents: Set<String>? = nil, knownTraits: Set<String>? = nil,
        knownAccountTraits: Set<String>? = nil
    ) -> Definitions {
        load(
            DefinitionFiles.read(from: root), knownEvents: knownEvents, knownTraits: knownTraits,
            knownAccountTraits: knownAccountTraits)
    }

    /// The segment with this name.
    public func segment(named name: String) -> SegmentDefinition? { segments.first { $0.name == name } }
    /// The score with this name.
    public func score(named name: String) -> ScoreDefinition? { scores.first { $0.name == name } }
    /// The stage model with this name.
    public func stageModel(named name: String) -> StageModel? { stageModels.first { $0.name == name } }
    /// The activation with this name.
    public func activation(named name: String) -> Activation? { activations.first { $0.name == name } }
    /// The destination with this name.
    public func destination(named name: String) -> Destination? { destinations.first { $0.name == name } }
    /// The template with this name.
    public func template(named name: String) -> Template? { templates.first { $0.name == name } }
}
