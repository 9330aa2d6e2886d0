import Foundation
import StrataCore
import Testing

@testable import StrataStore

struct PlainStoreErrorTests {
    @Test func aFileThatIsNotAStoreIsSaidToBeOne() async throws {
        try await withDatabasePath { path in
            try Data(repeating: 0x41, count: 8192).write(to: URL(fileURLWithPath: path))
            do {
                _ = try SQLiteStore(path: path)
                Issue.record("a file of letters opened as a store")
            } catch {
                #expect(PlainError.describe(error) == "the store's database file is damaged or is not a Strata store")
            }
        }
    }
}
