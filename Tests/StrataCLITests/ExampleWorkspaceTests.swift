import Foundation
import StrataStore
import Testing

/// `strata demo` and `strata init --example`, run as the built binary in a temporary folder outside
/// the repository: the example definitions come with the binary, not from the current folder.
struct ExampleWorkspaceTests {
    /// The repository's `examples/` folder, which the binary ships.
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("examples")

    /// The definition files under a workspace root, read from disk: every `.yaml` of `segments/`,
    /// `scores/`, `stages/`, `activations/` and `destinations/`, every `.mustache` of `templates/`, and
    /// `traits.yaml` and `rfm.yaml`, by relative path.
    static func definitionFiles(in root: URL) throws -> [String: String] {
        let manager = FileManager.default
        var paths = ["traits.yaml", "rfm.yaml"].filter {
            manager.fileExists(atPath: root.appendingPathComponent($0).path)
        }
        for folder in ["segments", "scores", "stages", "activations", "destinations", "templates"] {
            let names = (try? manager.contentsOfDirectory(atPath: root.appendingPathComponent(folder).path)) ?? []
            let suffix = folder == "templates" ? ".mustache" : ".yaml"
            paths += names.filter { $0.hasSuffix(suffix) }.map { "\(folder)/\($0)" }
        }
        var files: [String: String] = [:]
        for path in paths {
            files[path] = try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
        }
        return files
    }

    /// The segment file names of a workspace, sorted.
    static func segmentNames(in root: URL) -> [String] {
        let folder = root.appendingPathComponent("segments").path
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".yaml") }
            .sorted()
    }

    /// A new empty folder outside the repository, removed by the caller.
    static func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "strata-example-\(UUID().uuidString)"
        )
        .standardizedFileURL
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let repository = examples.deletingLastPathComponent().standardizedFileURL.path
        try #require(!folder.path.hasPrefix(repository + "/"), "the folder must lie outside the repository")
        return folder
    }

    /// The demo, run in a folder outside the repository, writes every example definition into its
    /// workspace and evaluates them (a small dataset keeps it quick).
    @Test func demoWritesTheExamplesAnywhere() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try CLITests.Run(["demo", "--users", "40", "--days", "14"], in: folder)
        #expect(run.status == 0, "\(run.stderr)")
        let workspace = folder.appendingPathComponent("strata-demo")
        let segments = Self.segmentNames(in: workspace)
        let expected = Self.segmentNames(in: Self.examples)
        #expect(expected.count > 40)
        #expect(segments.count == expected.count)
        #expect(segments == expected)
        #expect(segments.contains("trial-activated.yaml") && segments.contains("cart-abandoners.yaml"))
        #expect(try Self.definitionFiles(in: workspace) == Self.definitionFiles(in: Self.examples))
        #expect(run.stdout.contains("Wrote the saas example's definitions (\(expected.count) segments, "))
        #expect(run.stdout.contains("Evaluating every segment as of the end of the data"))
    }

    /// `strata init --example saas` writes the example definitions into a new workspace whose
    /// `strata.yaml` is the one `strata init` writes (named after the folder), and the result checks.
    @Test func initWritesTheSaaSExample() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try CLITests.Run(["init", "shop", "--example", "saas"], in: folder)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.hasPrefix("Created workspace \"shop\" in shop\n"))
        let root = folder.appendingPathComponent("shop")
        #expect(Self.segmentNames(in: root) == Self.segmentNames(in: Self.examples))
        #expect(try Self.definitionFiles(in: root) == Self.definitionFiles(in: Self.examples))
        // The example's own strata.yaml holds the settings `strata init` writes, but for its name.
        let created = try Workspace(root: root).config
        var example = try Workspace(root: Self.examples).config
        #expect(created.name == "shop")
        example.name = created.name
        #expect(created == example)
        // The messaging rules at the end of the example's strata.yaml follow the settings init wrote.
        let settings = try String(contentsOf: root.appendingPathComponent("strata.yaml"), encoding: .utf8)
        #expect(settings.hasSuffix("store: sqlite\nmessaging:\n  caps:\n    - {channel: email, max: 3, per: 7d}\n"))
        let check = try CLITests.Run(["check", "-w", root.path])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        // The one warning: the example's logistic score has not been trained in the new workspace.
        #expect(
            check.stdout
                == "scores/upgrade-propensity.yaml:1:1: warning: score.upgrade-propensity is a logistic model with no "
                + "trained model for its current features, label and population: it is missing for every profile "
                + "until you run `strata train upgrade-propensity`\n"
                + "checked 69 definition files: no errors, 1 warning\n")
    }

    /// An unknown example is refused with the known ones, and nothing is created.
    @Test func initRefusesAnUnknownExample() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try CLITests.Run(["init", "shop", "--example", "retail"], in: folder)
        #expect(run.status == 1)
        #expect(run.stdout == "")
        #expect(run.stderr == "Error: unknown example `retail`; the examples are: saas\n")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("shop").path))
    }

    /// An example never overwrites: an existing workspace is refused as without `--example`, and a
    /// folder holding one of the example's files is refused before anything is written.
    @Test func initWithAnExampleNeverOverwrites() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let existing = folder.appendingPathComponent("existing")
        #expect(try CLITests.Run(["init", existing.path]).status == 0)
        let again = try CLITests.Run(["init", existing.path, "--example", "saas"])
        #expect(again.status == 1)
        #expect(again.stderr == "Error: \(existing.path) already holds a strata.yaml\n")
        #expect(Self.segmentNames(in: existing) == [])

        let mine = folder.appendingPathComponent("mine")
        let paying = mine.appendingPathComponent("segments/paying.yaml")
        try FileManager.default.createDirectory(
            at: paying.deletingLastPathComponent(), withIntermediateDirectories: true)
        try "where: did(\"Order Completed\")\n".write(to: paying, atomically: true, encoding: .utf8)
        let refused = try CLITests.Run(["init", mine.path, "--example", "saas"])
        #expect(refused.status == 1)
        #expect(
            refused.stderr
                == "Error: \(mine.path) already holds segments/paying.yaml of the saas example; nothing was written\n")
        #expect(try String(contentsOf: paying, encoding: .utf8) == "where: did(\"Order Completed\")\n")
        #expect(Self.segmentNames(in: mine) == ["paying.yaml"])
        #expect(!FileManager.default.fileExists(atPath: mine.appendingPathComponent(Workspace.fileName).path))
    }
}
