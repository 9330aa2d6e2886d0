import ArgumentParser
import Foundation
import StrataActivation
import StrataCore
import StrataEngine
import StrataLanguage
import StrataRuntime
import StrataStore

/// `strata activations`: each activation with its segment, steps and today's deliveries by status.
struct ActivationsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "activations",
        abstract: "List the activations: segment, trigger, steps, and today's deliveries by status.",
        subcommands: [List.self], defaultSubcommand: List.self)

    /// `strata activations [list]`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the activations.")

        @OptionGroup var workspaceOptions: WorkspaceOptions

        @Option(help: "Output format: table or jsonl.")
        var format: Format = .table

        enum Format: String, ExpressibleByArgument, CaseIterable {
            case table, jsonl
        }

        func run() async throws {
            let runtime = try openRuntime(try workspaceOptions.load())
            let session = try await openSession(runtime)
            let settings = session.activationSettings
            let since = settings.zone.start(of: settings.zone.date(at: currentInstant()))
            var out = OutputBuffer()
            var rows = [["activation", "segment", "on", "steps", "today"]]
            for activation in settings.activations.values.sorted(by: { $0.name < $1.name }) {
                let counts = try await runtime.store.deliveryCounts(activation: activation.name, since: since)
                switch format {
                case .jsonl:
                    out.line(JSONWriter.string(DeliveryLog.summary(of: activation, counts: counts, since: since)))
                case .table:
                    let steps = activation.steps.map { step in
                        (step.after > 0 ? "+\(Value.format(duration: step.after)) " : "") + step.destination
                    }
                    let today = counts.sorted { $0.key.rawValue < $1.key.rawValue }.map {
                        "\($0.key.rawValue) \($0.value)"
                    }
                    rows.append([
                        activation.name, activation.segment, activation.trigger.rawValue,
                        steps.joined(separator: ", "), today.isEmpty ? "-" : today.joined(separator: ", "),
                    ])
                }
            }
            if format == .table {
                if rows.count == 1 {
                    printError("no activations: add activations/NAME.yaml files (see docs/activation.md)")
                    return
                }
                out.line(alignedTable(rows, leftAligned: 5))
            }
            out.flush()
        }
    }
}
