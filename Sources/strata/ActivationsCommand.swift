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
        subcommands: [List.self, Simulate.self], defaultSubcommand: List.self)

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

    /// `strata activations simulate NAME --from T --to T`.
    struct Simulate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replay the stored history through an activation: what it would have sent, and why not.",
            discussion: """
                Memberships are replayed through the real-time engine from --from to --to, and every \
                activation's decisions are taken as `strata serve` would (caps shared between activations, \
                global control, holdouts, rollouts, variants, `when`, quiet hours, reentry within the \
                window). Prints the activation's deliveries by status, by day and by variant. Nothing is \
                sent or written.
                """)

        @OptionGroup var workspaceOptions: WorkspaceOptions

        @ArgumentParser.Argument(help: "The activation's name.")
        var name: String

        @Option(help: "The start of the window (ISO 8601 or a date): memberships as of it are the starting point.")
        var from: InstantArgument

        @Option(help: "The end of the window (ISO 8601 or a date).")
        var to: InstantArgument

        func validate() throws {
            if from.milliseconds >= to.milliseconds { throw ValidationError("--from must be before --to") }
        }

        func run() async throws {
            let runtime = try openRuntime(try workspaceOptions.load())
            let session = try await openSession(runtime)
            let bar = ProgressBar()
            let total = session.messages
            let simulation: Simulation
            do throws(SessionError) {
                simulation = try await session.simulate(activation: name, from: from.milliseconds, to: to.milliseconds)
                {
                    bar.update(done: Int64($0), total: Int64(max(total, $0)), items: $0, unit: "msgs")
                }
            } catch {
                bar.finish()
                throw CommandError(error.message)
            }
            bar.finish()
            print(Self.report(simulation, zone: session.zone))
        }

        /// The report: the window and what was replayed, then the deliveries by status, by day and by variant.
        static func report(_ simulation: Simulation, zone: Zone) -> String {
            let activation = simulation.activation
            let deliveries = simulation.deliveries
            var lines = [
                "\(activation.name): \(activation.segment) on \(activation.trigger.rawValue), "
                    + "\(Instant.format(simulation.from)) to \(Instant.format(simulation.to))",
                "  \(grouped(simulation.changes)) enters and exits of \(activation.segment), "
                    + "\(grouped(simulation.triggers)) trigger\(simulation.triggers == 1 ? "" : "s"), "
                    + "\(grouped(deliveries.count)) deliveries (\(activation.steps.count) step\(activation.steps.count == 1 ? "" : "s") each)",
            ]
            let statuses = simulation.statuses
            func name(_ status: Delivery.Status) -> String {
                status == .pending ? "pending (due after the window)" : status.rawValue
            }
            let byStatus = simulation.byStatus
            var rows = [["status", "deliveries", "%"]]
            for status in statuses {
                let count = byStatus[status] ?? 0
                rows.append([
                    name(status), grouped(count),
                    String(format: "%.1f%%", 100 * Double(count) / Double(max(1, deliveries.count))),
                ])
            }
            lines += ["", alignedTable(rows)]
            guard !deliveries.isEmpty else {
                return (lines + ["", "nothing was sent or written"]).joined(separator: "\n")
            }
            let days = simulation.byDay(in: zone)
            var dayRows = [["due"] + statuses.map(\.rawValue)]
            for day in days.keys.sorted() {
                let counts = days[day] ?? [:]
                dayRows.append([day.description] + statuses.map { grouped(counts[$0] ?? 0) })
            }
            lines += ["", "by day (\(zone.identifier))", alignedTable(dayRows)]
            let variants = simulation.byVariant
            if !variants.isEmpty {
                var variantRows = [["variant"] + statuses.map(\.rawValue)]
                for variant in variants.keys.sorted() {
                    let counts = variants[variant] ?? [:]
                    variantRows.append([variant] + statuses.map { grouped(counts[$0] ?? 0) })
                }
                lines += ["", "by variant (assigned when a step is decided to send)", alignedTable(variantRows)]
            }
            return (lines + ["", "nothing was sent or written"]).joined(separator: "\n")
        }
    }
}
