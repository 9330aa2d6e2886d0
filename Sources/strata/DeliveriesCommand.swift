import ArgumentParser
import Foundation
import StrataActivation
import StrataCore
import StrataRuntime
import StrataStore

/// `strata deliveries`: the delivery log of activations, and retrying a delivery by hand.
struct DeliveriesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deliveries",
        abstract: "List the delivery log of activations, newest first, or retry a dead or failed delivery.",
        subcommands: [List.self, Retry.self], defaultSubcommand: List.self)

    /// `strata deliveries [list]`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List deliveries, newest first.",
            discussion: """
                Every step of every triggered activation has one record, sent or not: table shows its id, \
                activation and step, profile, destination, variant, status, attempts, due instant and last \
                error; csv and jsonl give every field.
                """)

        enum Format: String, ExpressibleByArgument, CaseIterable {
            case table, csv, jsonl
        }

        @OptionGroup var workspaceOptions: WorkspaceOptions

        @Option(help: "Only this activation's deliveries.")
        var activation: String?

        @Option(help: "Only this profile's deliveries.")
        var profile: String?

        @Option(help: "Only deliveries in this status (pending, sent, dead, capped, ...).")
        var status: String?

        @Option(help: "Only deliveries due at or after this instant (ISO 8601 or a date).")
        var since: InstantArgument?

        @Option(help: "How many deliveries to print at most.")
        var limit: Int = 100

        @Option(help: "Output format: table, csv or jsonl.")
        var format: Format = .table

        func validate() throws {
            if limit < 1 { throw ValidationError("--limit must be at least 1, found \(limit)") }
            if let status, Delivery.Status(rawValue: status) == nil {
                let names = Delivery.Status.allCases.map(\.rawValue)
                let hint = Suggestion.nearest(to: status, in: names).map { "; did you mean `\($0)`?" } ?? ""
                throw ValidationError(
                    "--status: unknown status `\(status)`, expected one of \(names.joined(separator: ", "))\(hint)")
            }
        }

        func run() async throws {
            let runtime = try openRuntime(try workspaceOptions.load())
            let query = DeliveryQuery(
                activation: activation, profile: profile, status: status.flatMap(Delivery.Status.init),
                since: since?.milliseconds, limit: limit)
            let deliveries = try await runtime.store.deliveries(query)
            var out = OutputBuffer()
            switch format {
            case .table:
                var rows = [
                    [
                        "id", "activation", "step", "profile", "destination", "variant", "status", "attempts", "due",
                        "error",
                    ]
                ]
                for delivery in deliveries {
                    rows.append([
                        String(delivery.id), delivery.activation, String(delivery.step), delivery.profile,
                        delivery.destination, delivery.variant ?? "",
                        delivery.status.rawValue + (delivery.late ? " (late)" : ""),
                        String(delivery.attempts), Instant.format(delivery.dueAt), delivery.lastError ?? "",
                    ])
                }
                if deliveries.isEmpty {
                    printError("no deliveries recorded\(query == DeliveryQuery(limit: limit) ? "" : " that match")")
                    return
                }
                out.line(alignedTable(rows, leftAligned: 10))
            case .csv:
                out.line(CSV.row(Self.fields))
                for delivery in deliveries { out.line(CSV.row(Self.row(delivery.json))) }
            case .jsonl:
                for delivery in deliveries { out.line(JSONWriter.string(delivery.json)) }
            }
            out.flush()
        }

        /// The csv fields, in the order of the API's delivery objects.
        static let fields = [
            "id", "change_id", "activation", "step", "segment", "profile", "type", "change_instant", "cause",
            "destination", "channel", "variant", "status", "attempts", "last_error", "response_status", "due_at",
            "next_at", "decided_at", "finished_at", "late",
        ]

        /// A delivery's csv row from its JSON object (null as an empty field).
        static func row(_ json: JSONValue) -> [String] {
            fields.map { field in
                switch json.objectValue?[field] {
                case .string(let text)?: text
                case .number(let number)?: String(Int64(number))
                case .bool(let flag)?: flag ? "true" : "false"
                default: ""
                }
            }
        }
    }

    /// `strata deliveries retry ID`.
    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send a dead or failed delivery again (a running server sends it within its poll interval).")

        @OptionGroup var workspaceOptions: WorkspaceOptions

        @ArgumentParser.Argument(help: "The delivery's id (the first column of `strata deliveries`).")
        var id: Int64

        func run() async throws {
            let runtime = try openRuntime(try workspaceOptions.load())
            do {
                let delivery = try await DeliveryLog.retry(id: id, store: runtime.store, at: currentInstant())
                print(
                    "delivery \(delivery.id) (\(delivery.activation) step \(delivery.step), \(delivery.profile)) will be sent again"
                )
            } catch let error as DeliveryLog.RetryError {
                throw CommandError(error.message)
            }
        }
    }
}
