import ArgumentParser
import Foundation
import StrataCore
import StrataEngine
import StrataLanguage
import StrataRuntime
import StrataStore

/// `strata train NAME`: fits a logistic model on its point-in-time training sets and stores it.
struct TrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a logistic model (scores/NAME.yaml, kind: logistic) and store it.",
        discussion: """
            For each train_as_of date T, the features and the population are evaluated as of T and the \
            label over (T, T + horizon]. The latest training set is held out: a model fitted on the earlier ones \
            is measured on it (AUC, calibration by decile). The stored model is fitted on every training set, \
            with standardised features and an L2 penalty (lambda = 1). Refuses when a class has fewer than \
            50 profiles. See docs/models.md.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @OptionGroup var workspaceOptions: WorkspaceOptions

    @ArgumentParser.Argument(help: "The score's name (scores/NAME.yaml).")
    var name: String

    @Option(help: "Output format: text, or json (the stored model).")
    var format: Format = .text

    func run() async throws {
        let session = try await openSession(try openRuntime(try workspaceOptions.load()))
        let score: ScoreDefinition
        do throws(SessionError) {
            score = try session.score(named: name)
        } catch {
            throw reported(error)
        }
        guard case .logistic(let model) = score.model else {
            throw CommandError("score `\(name)` (\(score.file)) is not a trained model: only `kind: logistic` trains")
        }
        let definitions = session.definitions
        let zone = session.zone
        let horizon = TrainingSet.horizon(of: model.label)
        let instants = Array(Set(model.trainAsOf.map { zone.start(of: $0) })).sorted()
        let others = session.trainedModels.filter { $0.key != name }
        var sets: [TrainingSet] = []
        let started = Date()
        for instant in instants {
            var builders = [instant, instant + horizon].map {
                TimelineBuilder(asOf: $0, needs: DataNeeds(definitions: definitions))
            }
            _ = try session.scanShowingProgress(into: &builders)
            do {
                sets.append(
                    try TrainingSet.evaluate(
                        model, file: score.file, definitions: definitions, zone: zone, features: builders[0].build(),
                        outcomes: builders[1].build(), trainedModels: others))
            } catch {
                throw CommandError(error.description)
            }
        }
        let fitting = Date()
        var trained: TrainedModel
        do {
            trained = try Trainer.train(
                name: name, file: score.file,
                features: model.features.map {
                    TrainedModel.sourceText($0, file: score.file, sources: session.sources)
                },
                sets: sets, horizon: horizon, trainedAt: currentInstant())
        } catch {
            throw CommandError(error.description)
        }
        trained.describe(model, file: score.file, sources: session.sources)
        let document = try trained.encoded()
        try await session.store.saveModel(StoredModel(name: name, trainedAt: trained.trainedAt, document: document))
        if format == .json {
            print(document)
        } else {
            print(Self.report(trained, file: score.file))
            print(
                "\(sets.count) training sets of \(grouped(sets.map(\.labels.count).reduce(0, +))) rows: read "
                    + "and evaluated in \(formatSeconds(fitting.timeIntervalSince(started))) (one store scan each), "
                    + "fitted in \(formatSeconds(Date().timeIntervalSince(fitting)))")
        }
    }

    /// The text report: training sets, held-out AUC, coefficients and calibration.
    static func report(_ model: TrainedModel, file: String) -> String {
        var lines = [
            "trained score.\(model.name) (\(file)) · L2 lambda \(Value.format(model.lambda, maximumDecimals: 4)) "
                + "on standardised features · label horizon \(Value.format(duration: model.horizon))",
            "",
        ]
        var rows = [["training set", "profiles", "label true", "rate"]]
        for set in model.metrics.sets {
            let rate = set.profiles == 0 ? 0 : Double(set.positives) / Double(set.profiles)
            rows.append([
                Instant.format(set.asOf), grouped(set.profiles), grouped(set.positives), percent(rate),
            ])
        }
        lines.append(alignedTable(rows))
        let auc = model.metrics.auc.map { String(format: "%.3f", $0) } ?? "undefined (a single class)"
        lines += [
            "",
            "held out \(Instant.format(model.metrics.heldOutAsOf)) (model fitted on the earlier training sets): AUC \(auc)",
            "",
            "coefficients (fitted on every training set): per standard deviation (std), as an odds ratio per standard "
                + "deviation, and per raw unit",
        ]
        rows = [["feature", "mean", "sd", "std", "odds/sd", "raw"]]
        rows.append(["(intercept)", "", "", number(model.intercept), "", number(model.rawIntercept)])
        let raw = model.rawCoefficients
        for (j, feature) in model.features.enumerated() {
            rows.append([
                feature, number(model.standardization.means[j]), number(model.standardization.scales[j]),
                number(model.coefficients[j]), number(exp(model.coefficients[j])), number(raw[j]),
            ])
        }
        lines.append(alignedTable(rows))
        lines += ["", "calibration on \(Instant.format(model.metrics.heldOutAsOf)) by decile of predicted probability"]
        rows = [["decile", "profiles", "predicted", "observed"]]
        for (index, bin) in model.metrics.calibration.enumerated() {
            rows.append(["\(index + 1)", grouped(bin.count), percent(bin.predicted), percent(bin.observed)])
        }
        lines.append(alignedTable(rows))
        lines += ["", "stored: score.\(model.name) now reads this model (probability × 100)"]
        return lines.joined(separator: "\n")
    }

    private static func number(_ x: Double) -> String { String(format: "%.4g", x) }

    private static func percent(_ x: Double) -> String { String(format: "%.1f%%", 100 * x) }
}
