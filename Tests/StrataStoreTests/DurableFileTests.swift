import Foundation
import StrataStore
import Testing

/// The snapshot file is replaced a megabyte at a time and the old one let go of a few megabytes at a
/// time; what it holds afterwards is exactly the new bytes.
@Suite("Durable file")
struct DurableFileTests {
    /// A fresh folder under the temporary directory.
    static func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("strata-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    @Test("the new bytes replace the file, a pause after each megabyte written and each 4 MB let go of")
    func replacesInSteps() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("snapshot")
        var pauses = 0

        // 2,500,000 bytes: two whole megabytes (1,048,576 bytes each) and a part; nothing to let go of.
        let first = (0..<2_500_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 11) }
        try DurableFile.replace(url, with: first, pausing: { pauses += 1 })
        #expect(try [UInt8](Data(contentsOf: url)) == first)
        #expect(pauses == 3)

        // A file left by an interrupted write (5,000,000 bytes) is shortened in two steps (4,194,304
        // bytes, then the rest) before it is written; the replaced file (2,500,000 bytes) in one.
        try Data(repeating: 9, count: 5_000_000).write(to: folder.appendingPathComponent("snapshot.new"))
        pauses = 0
        let second = [UInt8](repeating: 7, count: 100)
        try DurableFile.replace(url, with: second, pausing: { pauses += 1 })
        #expect(try [UInt8](Data(contentsOf: url)) == second)
        #expect(pauses == 2 + 1 + 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["snapshot"])

        // Nothing at all is a file of no bytes.
        pauses = 0
        try DurableFile.replace(url, with: [], pausing: { pauses += 1 })
        #expect(try Data(contentsOf: url).isEmpty)
        #expect(pauses == 1)
    }

    @Test("a file that cannot be written is named in the error")
    func failureNamesTheFile() throws {
        let url = URL(fileURLWithPath: "/nonexistent-strata-folder/snapshot")
        #expect {
            try DurableFile.replace(url, with: [1, 2, 3], pausing: {})
        } throws: { error in
            "\(error)" == "cannot open /nonexistent-strata-folder/snapshot.new: No such file or directory"
        }
    }

    @Test("a file is read back whole, a missing one is nil, and removing takes a leftover new file too")
    func readsAndRemoves() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("timelines")
        #expect(try DurableFile.read(url) == nil)
        let bytes = (0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        try DurableFile.replace(url, with: bytes)
        #expect(try DurableFile.read(url) == bytes)
        try Data([1, 2]).write(to: DurableFile.temporaryURL(of: url))
        try DurableFile.remove(url)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == [])
        try DurableFile.remove(url)
    }
}
