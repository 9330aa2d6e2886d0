import Foundation
import StrataActivation
import StrataCore
import StrataEngine
import StrataLanguage
import StrataRuntime
import StrataStore
import Testing

/// A fresh folder under the temporary directory.
func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("strata-runtime-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// A workspace `shop` in a fresh folder holding definition files, opened; the folder is removed after
/// `body`.
func withWorkspace(_ files: [String: String], _ body: (Runtime) async throws -> Void) async throws {
    let folder = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let workspace = try Workspace.create(at: folder.appendingPathComponent("shop"))
    for (path, text) in files {
        let url = workspace.root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }
    try await body(try Runtime.open(workspace))
}

@Suite struct RuntimeTests {
    @Test func theStoreLivesInsideTheWorkspace() async throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        // A folder that does not exist yet: its URL has no trailing slash.
        let workspace = try Workspace.create(at: URL(fileURLWithPath: folder.path + "/fresh"))
        _ = try Runtime.open(workspace)
        #expect(FileManager.default.fileExists(atPath: folder.path + "/fresh/data/strata.db"))
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/data"))
        let relative = try Workspace.find(explicit: "fresh", from: URL(fileURLWithPath: folder.path))
        #expect(relative.root.path == folder.path + "/fresh")
    }

    @Test func factsOfManyProfilesAreReadTogetherEachAsOfItsInstant() async throws {
        let files = [
            "segments/buyers.yaml": "where: did(\"Order Completed\")\n",
            "destinations/log.yaml": "kind: file\npath: out.jsonl\n",
            "activations/thanks.yaml":
                "segment: buyers\non: enter\nsteps:\n  - destination: log\n    when: trait.plan = \"pro\"\n",
        ]
        try await withWorkspace(files) { runtime in
            let minute = Instant.minute
            _ = try await runtime.store.append(
                [
                    Message(
                        kind: .identify, messageId: "i1", userId: "ann", traits: ["plan": .string("free")],
                        timestamp: minute, receivedAt: minute),
                    Message(
                        kind: .identify, messageId: "i2", userId: "ann", traits: ["plan": .string("pro")],
                        timestamp: 3 * minute, receivedAt: 3 * minute),
                    Message(
                        kind: .group, messageId: "g1", userId: "ann", traits: ["seats": .number(12)], groupId: "acme",
                        timestamp: 2 * minute, receivedAt: 2 * minute),
                    Message(
                        kind: .identify, messageId: "i3", userId: "bob", traits: ["plan": .string("pro")],
                        timestamp: minute, receivedAt: minute),
                ], quarantine: [])
            let session = try await runtime.session()
            let when = try #require(session.activationSettings.activations["thanks"]?.steps.first?.when)
            let facts = try await session.facts(of: [
                FactsRequest(profile: "ann", instant: 2 * minute, conditions: [when]),
                FactsRequest(profile: "ann", instant: 4 * minute, conditions: [when]),
                FactsRequest(profile: "bob", instant: 4 * minute),
                FactsRequest(profile: "acme", instant: 4 * minute, conditions: [when]),
                FactsRequest(profile: "nobody", instant: 4 * minute, conditions: [when]),
            ])
            // Ann was on free until minute 3; the account's traits come from its group call.
            #expect(
                facts[0]
                    == ProfileFacts(
                        id: "ann", traits: ["plan": .string("free")], account: "acme",
                        accountTraits: ["seats": .number(12)],
                        conditions: [false]))
            #expect(facts[1].traits == ["plan": .string("pro")])
            #expect(facts[1].conditions == [true])
            #expect(facts[2] == ProfileFacts(id: "bob", traits: ["plan": .string("pro")]))
            // An account id: its traits, and a user condition missing for it.
            #expect(facts[3].account == "acme")
            #expect(facts[3].accountTraits == ["seats": .number(12)])
            #expect(facts[4] == ProfileFacts(id: "nobody", traits: [:], conditions: [nil]))
        }
    }

    @Test func traitNamesNoStoredCallCarriesAreWarnedAboutWithTheNearestStoredName() async throws {
        let segment = "where: trait.plna = \"pro\" and account.trait.industy = \"retail\" and trait.plan = \"pro\"\n"
        try await withWorkspace(["segments/pros.yaml": segment]) { runtime in
            // Before anything is stored there is nothing to compare with.
            #expect(try await runtime.checkDefinitions().diagnostics.isEmpty)
            _ = try await runtime.store.append(
                [
                    Message(
                        kind: .identify, messageId: "i1", userId: "ann", traits: ["plan": .string("pro")], receivedAt: 1
                    ),
                    Message(
                        kind: .group, messageId: "g1", userId: "ann", traits: ["industry": .string("retail")],
                        groupId: "acme", receivedAt: 1),
                ], quarantine: [])
            let diagnostics = try await runtime.checkDefinitions().diagnostics
            #expect(
                diagnostics.map(\.description) == [
                    "segments/pros.yaml:1:8: warning: unknown trait `plna`: no profile has it in the store; did you mean `trait.plan`?",
                    "segments/pros.yaml:1:31: warning: unknown account trait `industy`: no profile has it in the store; did you mean `account.trait.industry`?",
                ])
        }
    }
}
