import StrataCore
import StrataStore

/// Decodes quarantined messages again and stores those that are now valid, each leaving the
/// quarantine in the same transaction as its messages are stored (unless its id is stored with
/// other content). The bytes are the ones kept, or a corrected copy from an exported file.
public struct QuarantineRetry: Sendable {
    /// One entry to retry: its number in the quarantine and the bytes to decode.
    public struct Attempt: Sendable {
        /// The entry's number.
        public var id: Int64
        /// The message's JSON text (a batch document is retried whole).
        public var bytes: [UInt8]
        /// When it first arrived: the messages keep that arrival time.
        public var receivedAt: Int64

        /// An attempt from its parts.
        public init(id: Int64, bytes: [UInt8], receivedAt: Int64) {
            self.id = id
            self.bytes = bytes
            self.receivedAt = receivedAt
        }
    }

    /// What a retry did.
    public struct Outcome: Sendable, Equatable {
        /// Entries that left the quarantine.
        public var released = 0
        /// Messages stored by it.
        public var stored = 0
        /// Entries whose message id is stored with other content: they stay.
        public var conflicting = 0
        /// Entries still refused, with the first reason of each.
        public var refused: [Refusal] = []
    }

    /// An entry still refused.
    public struct Refusal: Sendable, Equatable {
        /// The entry's number.
        public var id: Int64
        /// Why (the first refused message of a batch document).
        public var error: MessageError
    }

    private let store: any MessageLog

    /// A retry writing to a store.
    public init(store: any MessageLog) { self.store = store }

    /// Retries the attempts in one transaction.
    public func run(_ attempts: [Attempt]) async throws -> Outcome {
        var outcome = Outcome()
        var messages: [StoredMessage] = []
        var releases: [QuarantineRelease] = []
        for attempt in attempts {
            let items = attempt.bytes.withUnsafeBufferPointer {
                MessageDocument.decode($0, receivedAt: attempt.receivedAt)
            }
            let refusals = items.compactMap { item -> MessageError? in
                guard case .failure(let error) = item.result else { return nil }
                return error
            }
            if let first = refusals.first {
                outcome.refused.append(Refusal(id: attempt.id, error: first))
                continue
            }
            let decoded = items.compactMap { try? $0.result.get() }.map(StoredMessage.init)
            releases.append(
                QuarantineRelease(id: attempt.id, messages: messages.count..<messages.count + decoded.count))
            messages += decoded
        }
        let result = try await store.append(storedParts: [messages], quarantine: [], releasing: releases)
        outcome.released = result.released
        outcome.stored = result.inserted
        outcome.conflicting =
            Set(
                result.conflicts.compactMap { position in
                    releases.first { $0.messages.contains(position) }?.id
                }
            ).count
        return outcome
    }
}
