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
