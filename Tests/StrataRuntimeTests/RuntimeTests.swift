import Foundation
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
}
