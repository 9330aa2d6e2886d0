import Foundation
import StrataCore
import Testing

struct PlainErrorTests {
    @Test func fileSystemErrorsReadAsAShortSentence() throws {
        let missing = URL(fileURLWithPath: "/no-such-folder-\(UUID().uuidString)/out.jsonl")
        do {
            try Data("x".utf8).write(to: missing, options: .atomic)
            Issue.record("writing into a missing folder succeeded")
        } catch {
            #expect(PlainError.describe(error) == "no such file or folder")
        }
        do {
            _ = try String(contentsOf: missing, encoding: .utf8)
            Issue.record("reading a missing file succeeded")
        } catch {
            #expect(PlainError.describe(error) == "no such file or folder")
        }
        #expect(PlainError.describe(POSIXError(.EADDRINUSE)) == "address already in use")
        #expect(PlainError.describe(CancellationError()) == "cancelled")
    }
}
