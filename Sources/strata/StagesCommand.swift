import ArgumentParser
import Foundation
import StrataClickHouse
import StrataCore
import StrataEngine
import StrataLanguage
import StrataRuntime
import StrataStore

/// `strata stages [NAME]`: how the profiles spread over the stages of each stage model.
struct StagesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stages",
        abstract: "Show the distribution of profiles over the stages of each stage model (or of one).",
        discussion: """
            Stages are listed in model order; the first stage whose condition holds wins, and `else` catches \
            the rest. Profiles no stage holds for (a model without `else`) are counted as (no stage).
            """)

    @OptionGroup var options: EvaluationOptions

    @ArgumentParser.Argument(help: "A stage model's name (default: every model).")
    var name: String?

    func run() async throws {
        let session = try await options.session()
        let all = session.definitions.stageModels.sorted { $0.name < $1.name }
        let models: [StageModel]
        if let name {
            guard let model = session.definitions.stageModel(named: name) else {
                let names = all.map(\.name)
                let hint = StrataCore.Suggestion.nearest(to: name, in: names).map { "; did you mean `\($0)`?" }
                throw CommandError(
                    "unknown stage model `\(name)`"
                        + (names.isEmpty ? " (the workspace has no stage models)" : hint ?? ""))
            }
            models = [model]
        } else {
            guard !all.isEmpty else { throw CommandError("the workspace has no stage models (stages/NAME.yaml)") }
            models = all
        }
        let started = Date()
        if let settings = try session.requireClickHouseSettings() {
            let spreads: [Evaluator.StageCounts]
            do throws(SessionError) {
                spreads = try await session.clickHouseStages(settings, of: models, asOf: options.instant)
            } catch {
                throw reported(error)
            }
            print(zip(models, spreads).map { Self.distribution($0, $1) }.joined(separator: "\n\n"))
            print("\nClickHouse " + formatSeconds(Date().timeIntervalSince(started)))
            return
        }
        let evaluation = try session.evaluateShowingProgress(asOf: options.instant)
        var blocks: [String] = []
        for model in models {
            do {
                blocks.append(Self.distribution(model, Self.counts(try evaluation.engine.stages(of: model))))
            } catch {
                throw CommandError(error)
            }
        }
        print(blocks.joined(separator: "\n\n"))
        print("\n" + RunCommand.footer(evaluation, evalSeconds: Date().timeIntervalSince(started)))
    }

    /// The profiles in each stage, from every profile's stage (missing for none).
    static func counts(_ stages: [Value]) -> Evaluator.StageCounts {
        var counts = Evaluator.StageCounts(counts: [:], none: 0)
        for value in stages {
            if case .string(let name) = value { counts.counts[name, default: 0] += 1 } else { counts.none += 1 }
        }
        return counts
    }

    /// A model's stages in order with their profile counts and shares.
    static func distribution(_ model: StageModel, _ spread: Evaluator.StageCounts) -> String {
        let (counts, none) = (spread.counts, spread.none)
        let total = counts.values.reduce(none, +)
        var rows = model.stages.map {
            [$0.name, grouped(counts[$0.name] ?? 0), share(counts[$0.name] ?? 0, total)]
        }
        if none > 0 { rows.append(["(no stage)", grouped(none), share(none, total)]) }
        let title = model.title.map { "\(model.name): \($0)" } ?? model.name
        return ([title + " (\(model.file))"] + alignedLines(rows, indent: "  ")).joined(separator: "\n")
    }

    static func share(_ count: Int, _ total: Int) -> String {
        String(format: "%.1f%%", total == 0 ? 0 : 100 * Double(count) / Double(total))
    }
}
