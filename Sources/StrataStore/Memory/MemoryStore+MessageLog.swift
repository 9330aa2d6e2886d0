import StrataCore

extension MemoryStore {
    /// What the message log holds: the stored messages (a message's sequence is its position plus
    /// one), the indexes reads find them by, the identity links, quarantine and the counts.
    struct MessageLogState: Sendable {
        /// The stored messages in arrival order.
        private(set) var stored: [StoredMessage] = []
        /// The sequence of each stored message id.
        private var sequences: [String: Int64] = [:]
        /// The sequences of the messages carrying each userId.
        private(set) var byUser: [String: [Int64]] = [:]
        /// The sequences of the messages without a userId carrying each anonymousId.
        private(set) var byAnonymous: [String: [Int64]] = [:]
        /// The sequences of each account's group calls.
        private(set) var byAccount: [String: [Int64]] = [:]
        /// Each identity link with the earliest time a message made it, and that message's sequence.
        private(set) var links: [IdentityLink: (time: Int64, sequence: Int64)] = [:]
        /// Quarantined messages, oldest first, numbered from 1.
        private(set) var quarantine: [QuarantineEntry] = []
        /// The fingerprints of the quarantined messages, and the number the next one gets.
        private var fingerprints: Set<[UInt8]> = []
        private var nextQuarantineId: Int64 = 1
        /// Stored messages by type.
        private var byKind: [Message.Kind: Int] = [:]
        /// The names of the stored events.
        private var eventNames: Set<String> = []
        /// The trait names of the stored identify and group calls.
        private var traitNames = TraitNames()
        /// The earliest and latest time of the stored events (of the event kinds).
        private var eventTimes: ClosedRange<Int64>?
        /// Duplicates refused, and those of them whose content differed.
        private var duplicates = 0
        private var conflicting = 0

        /// Stores the messages whose id is not stored yet (nor earlier in the parts), keeps the
        /// quarantine entries not kept yet and releases the entries named.
        mutating func append(
            _ parts: [[StoredMessage]], quarantine entries: [QuarantineEntry], releasing: [QuarantineRelease]
        ) -> AppendResult {
            var result = AppendResult()
            result.fates.reserveCapacity(parts.reduce(0) { $0 + $1.count })
            for (position, message) in parts.joined().enumerated() {
                if let sequence = sequences[message.messageId] {
                    result.duplicates += 1
                    result.fates.append(.duplicate)
                    if stored[Int(sequence - 1)].contentHash != message.contentHash {
                        result.conflicting += 1
                        result.conflicts.append(position)
                    }
                    continue
                }
                result.storedSequences.append(store(message))
                result.inserted += 1
                result.fates.append(.stored)
            }
            for var entry in entries {
                guard fingerprints.insert(entry.fingerprint).inserted else {
                    result.alreadyQuarantined += 1
                    continue
                }
                entry.id = nextQuarantineId
                nextQuarantineId += 1
                quarantine.append(entry)
                result.quarantined += 1
            }
            let released = Set(QuarantineRelease.released(releasing, conflicts: result.conflicts))
            let before = quarantine.count
            quarantine.removeAll { entry in
                guard let id = entry.id, released.contains(id) else { return false }
                fingerprints.remove(entry.fingerprint)
                return true
            }
            result.released = before - quarantine.count
            duplicates += result.duplicates
            conflicting += result.conflicting
            return result
        }

        /// Stores one message at the next sequence, with its index entries, links and counts; returns
        /// the sequence.
        private mutating func store(_ message: StoredMessage) -> Int64 {
            stored.append(message)
            let sequence = Int64(stored.count)
            sequences[message.messageId] = sequence
            if let userId = message.userId {
                byUser[userId, default: []].append(sequence)
            } else if let anonymousId = message.anonymousId {
                byAnonymous[anonymousId, default: []].append(sequence)
            }
            if message.kind == .group, let groupId = message.groupId {
                byAccount[groupId, default: []].append(sequence)
            }
            IdentityLink.links(of: message) { link in
                // The earliest time wins; a link made again at the same time keeps its first message.
                if let kept = links[link], kept.time <= message.time { return }
                links[link] = (message.time, sequence)
            }
            byKind[message.kind, default: 0] += 1
            if let event = message.event { eventNames.insert(event) }
            message.payload?.withUnsafeBufferPointer { traitNames.add(kind: message.kind, payload: $0) }
            if message.kind.isEvent {
                let time = message.time
                eventTimes = eventTimes.map { min($0.lowerBound, time)...max($0.upperBound, time) } ?? time...time
            }
            return sequence
        }

        /// The stored messages of ascending sequences, skipping those not stored.
        func stored(_ sequences: [Int64]) -> [(sequence: Int64, message: StoredMessage)] {
            sequences.compactMap { sequence in
                guard sequence >= 1, sequence <= Int64(stored.count) else { return nil }
                return (sequence, stored[Int(sequence - 1)])
            }
        }

        /// The counts, as ``SQLiteStore/statistics()`` gives them (event names in byte order).
        var statistics: StoreStatistics {
            StoreStatistics(
                messages: stored.count, messagesByKind: byKind, quarantined: quarantine.count,
                quarantinedByReason: quarantine.reduce(into: [:]) { $0[$1.reason, default: 0] += 1 },
                duplicates: duplicates, conflicting: conflicting,
                eventNames: eventNames.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }, traitNames: traitNames,
                firstEvent: eventTimes?.lowerBound, lastEvent: eventTimes?.upperBound, bytesOnDisk: 0)
        }
    }
}
