import ArgumentParser
import Foundation
import StrataCore
import StrataDemo
import StrataEngine
import StrataExamples
import StrataIngest
import StrataRuntime
import StrataStore

/// `strata demo`: a workspace with generated data, ready to explore.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Create (or reuse) a demo workspace with generated data and show what it holds.")

    @Option(help: "The demo workspace folder.")
    var directory: String = "strata-demo"

    @Option(help: "How many users to generate.")
    var users: Int = 20_000

    @Option(help: "How many days of activity to generate.")
    var days: Int = 120

    @Option(help: "The generator's seed.")
    var seed: UInt64 = 42

    func run() async throws {
        let root = URL(fileURLWithPath: directory)
        let workspace: Workspace
        if FileManager.default.fileExists(atPath: root.appendingPathComponent(Workspace.fileName).path) {
            workspace = try loadWorkspace { () throws(WorkspaceError) in try Workspace(root: root) }
            print("Reusing the demo workspace in \(directory)/")
        } else {
            workspace = try loadWorkspace { () throws(WorkspaceError) in try Workspace.create(at: root, name: "demo") }
            print("Created the demo workspace in \(directory)/")
        }
        let store = try openRuntime(workspace, durability: .bulk).store
        if try await store.statistics().messages == 0 {
            try await generateAndImport(into: workspace, store: store)
        }
        try await show(store)
        try await evaluateExamples(in: workspace, store: store)
    }

    /// Writes the saas example's definitions into the workspace (once), evaluates them as of the end
    /// of the data, and explains one membership.
    private func evaluateExamples(in workspace: Workspace, store: any Store) async throws {
        let hasDefinitions =
            (try? FileManager.default.contentsOfDirectory(atPath: workspace.segmentsDirectory.path))?.isEmpty == false
        if !hasDefinitions {
            let example = try exampleStep { () throws(ExampleError) in try Example.named("saas") }
            try exampleStep { () throws(ExampleError) in try example.write(into: workspace.root) }
            print("\nWrote the saas example's definitions (\(example.summary)) into \(directory)/")
        }
        guard let end = try await store.statistics().lastEvent else { return }
        print(
            "\nEvaluating every segment as of the end of the data (strata run -w \(directory) --as-of \(Instant.format(end))):\n"
        )
        let session = try await openSession(Runtime(workspace: workspace, store: store))
        let outcome = try await RunCommand.evaluate(session, asOf: end)
        print(outcome.report)
        let featured =
            outcome.results.first { $0.name == "trial-activated" && !$0.members.isEmpty }
            ?? outcome.results.first { !$0.members.isEmpty }
        if let featured, let member = featured.members.first {
            print(
                "\nWhy is \(member) in \(featured.name)? (strata explain \(featured.name) \(member) -w \(directory) --as-of \(Instant.format(end)))\n"
            )
            let explanation = try outcome.evaluation.engine.explain(
                segment: featured.name, profile: member, sources: session.sources)
            print(explanation.render())
        }
    }

    private func generateAndImport(into workspace: Workspace, store: any Store) async throws {
        let configuration = Generator.Configuration(profile: .saas, users: users, days: days, seed: seed)
        do {
            try configuration.validate()
        } catch {
            throw ValidationError(error.message)
        }
        let file = workspace.dataDirectory.appendingPathComponent("demo-events.jsonl")
        guard FileManager.default.createFile(atPath: file.path, contents: nil),
            let handle = FileHandle(forWritingAtPath: file.path)
        else {
            throw CommandError("cannot write \(file.path)")
        }
        let started = Date()
        let summary = try await Generator(configuration).run { chunk in handle.write(Data(chunk.bytes)) }
        try handle.close()
        print(
            "Generated \(grouped(summary.messages)) messages for \(grouped(summary.users)) users over \(days) days (saas profile, seed \(seed)) in \(String(format: "%.1f", Date().timeIntervalSince(started))) s"
        )
        let bar = ProgressBar()
        let importStarted = Date()
        let report = try await Importer(store: store, receivedAt: currentInstant()).run(files: [file.path]) {
            bar.update(done: $0.bytesRead, total: $0.totalBytes, items: $0.messages, unit: "msgs")
        }
        bar.finish()
        print(ImportCommand.summary(report, seconds: Date().timeIntervalSince(importStarted)))
    }

    private func show(_ store: any Store) async throws {
        let stats = try await store.statistics()
        print("")
        print(
            "The store holds \(grouped(stats.messages)) messages (\(String(format: "%.1f", Double(stats.bytesOnDisk) / 1_048_576)) MiB on disk):"
        )
        for kind in Message.Kind.allCases {
            if let count = stats.messagesByKind[kind] {
                print("  \(kind.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) \(grouped(count))")
            }
        }
        if let first = stats.firstEvent, let last = stats.lastEvent {
            print("  events from \(Instant.format(first)) to \(Instant.format(last))")
        }
        print(
            "  \(stats.eventNames.count) event names: \(stats.eventNames.prefix(8).joined(separator: ", "))\(stats.eventNames.count > 8 ? ", ..." : "")"
        )
        if let busiest = try await store.busiestUsers(limit: 1).first,
            let profile = try await store.profile(
                id: busiest.userId, asOf: stats.lastEvent ?? currentInstant(), recent: 5)
        {
            print("")
            print("The busiest profile (strata profile \(busiest.userId) -w \(directory)):")
            print(ProfileText.text(profile))
        }
    }
}
