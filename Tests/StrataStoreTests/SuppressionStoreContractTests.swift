import Foundation
import StrataStore
import Testing

/// Unsubscribes and the link-signing key, the same for every backend.
struct SuppressionStoreContractTests {
    @Test(arguments: Backend.allCases)
    func anUnsubscribeIsPerProfileAndDestinationAndKeepsItsFirstInstant(_ backend: Backend) async throws {
        try await backend.withStore { store in
            #expect(try await store.unsubscribed(profile: "ann", destination: "email") == nil)
            try await store.unsubscribe(profile: "ann", destination: "email", at: 1_000)
            try await store.unsubscribe(profile: "ann", destination: "email", at: 2_000)
            #expect(try await store.unsubscribed(profile: "ann", destination: "email") == 1_000)
            #expect(try await store.unsubscribed(profile: "ann", destination: "newsletter") == nil)
            #expect(try await store.unsubscribed(profile: "bob", destination: "email") == nil)
        }
    }

    @Test(arguments: Backend.allCases)
    func theLinkKeyIsMadeOnceAndKept(_ backend: Backend) async throws {
        try await backend.withStore { store in
            let key = try await store.linkKey()
            #expect(key.count == 32)
            #expect(Set(key).count > 1)
            #expect(try await store.linkKey() == key)
        }
    }

    @Test func theLinkKeyOutlivesTheProcessOnSQLite() async throws {
        try await withDatabasePath { path in
            let key = try await SQLiteStore(path: path).linkKey()
            #expect(try await SQLiteStore(path: path).linkKey() == key)
        }
    }
}
