import Synchronization

extension MemoryStore {
    /// What the delivery log holds.
    struct DeliveryLogState: Sendable {
        /// Every delivery, oldest first; a delivery's id is its position plus one.
        var deliveries: [Delivery] = []
        /// The ids of the recorded (change id, activation, step) keys.
        var keys: Set<DeliveryKey> = []
        /// The destinations turned off, with their fingerprints.
        var disabled: [String: String] = [:]
    }

    /// What makes a delivery unique.
    struct DeliveryKey: Hashable, Sendable {
        var changeID: Int64
        var activation: String
        var step: Int
    }

    /// Records new deliveries and the consumer's cursor together (the delivery log's lock, then the change
    /// log's: no other path takes them in the other order).
    @discardableResult
    public func enqueue(_ deliveries: [Delivery], consumer: String, through changeID: Int64) async throws -> Int {
        deliveryLog.withLock { state in
            var inserted = 0
            for var delivery in deliveries {
                let key = DeliveryKey(changeID: delivery.changeID, activation: delivery.activation, step: delivery.step)
                guard state.keys.insert(key).inserted else { continue }
                delivery.id = Int64(state.deliveries.count + 1)
                if delivery.status == .pending,
                    let retried = state.deliveries.filter({
                        $0.activation == delivery.activation && $0.profile == delivery.profile && $0.status == .retrying
                    }).map(\.nextAt).max()
                {
                    delivery.nextAt = max(delivery.nextAt, retried)
                }
                state.deliveries.append(delivery)
                inserted += 1
            }
            changeLog.withLock { $0.cursors[consumer] = max($0.cursors[consumer] ?? changeID, changeID) }
            return inserted
        }
    }

    /// Open deliveries whose next instant has come, oldest first, each after any earlier one of its
    /// profile and activation that is being sent or retried.
    public func dueDeliveries(at instant: Int64, limit: Int) async throws -> [Delivery] {
        deliveryLog.withLock { state in
            var blocked = Set<[String]>()
            var due: [Delivery] = []
            for delivery in state.deliveries {
                let pair = [delivery.activation, delivery.profile]
                if Delivery.Status.open.contains(delivery.status), delivery.nextAt <= instant, !blocked.contains(pair) {
                    due.append(delivery)
                }
                if Delivery.Status.inProgress.contains(delivery.status) { blocked.insert(pair) }
            }
            return Array(due.sorted { ($0.nextAt, $0.id) < ($1.nextAt, $1.id) }.prefix(max(0, limit)))
        }
    }

    /// The earliest next instant after an instant of an open delivery.
    public func nextDueInstant(after instant: Int64) async throws -> Int64? {
        deliveryLog.withLock { state in
            state.deliveries.lazy.filter { Delivery.Status.open.contains($0.status) && $0.nextAt > instant }.map(
                \.nextAt
            ).min()
        }
    }

    /// Makes the deliveries left `sending` due at an instant.
    @discardableResult
    public func reopenSending(at instant: Int64) async throws -> Int {
        deliveryLog.withLock { state in
            var moved = 0
            for index in state.deliveries.indices
            where state.deliveries[index].status == .sending && state.deliveries[index].nextAt > instant {
                state.deliveries[index].nextAt = instant
                moved += 1
            }
            return moved
        }
    }

    /// Saves the state of recorded deliveries; unknown ids are skipped, as SQLite's UPDATE skips them.
    public func update(_ deliveries: [Delivery]) async throws {
        deliveryLog.withLock { state in
            for delivery in deliveries where delivery.id >= 1 && delivery.id <= Int64(state.deliveries.count) {
                var stored = state.deliveries[Int(delivery.id - 1)]
                stored.variant = delivery.variant
                stored.status = delivery.status
                stored.attempts = delivery.attempts
                stored.lastError = delivery.lastError
                stored.responseStatus = delivery.responseStatus
                stored.nextAt = delivery.nextAt
                stored.decidedAt = delivery.decidedAt
                stored.finishedAt = delivery.finishedAt
                stored.late = delivery.late
                state.deliveries[Int(delivery.id - 1)] = stored
                // The pending deliveries behind it: parked until its retry, or due again once it is done.
                guard stored.status != .sending else { continue }
                for index in Int(stored.id)..<state.deliveries.count {
                    var later = state.deliveries[index]
                    guard later.activation == stored.activation, later.profile == stored.profile,
                        later.status == .pending
                    else { continue }
                    if stored.status == .retrying {
                        if later.nextAt < stored.nextAt { later.nextAt = max(later.dueAt, stored.nextAt) }
                    } else if later.nextAt > later.dueAt {
                        later.nextAt = later.dueAt
                    }
                    state.deliveries[index] = later
                }
            }
        }
    }

    /// The delivery of an id.
    public func delivery(id: Int64) async throws -> Delivery? {
        deliveryLog.withLock { state in
            id >= 1 && id <= Int64(state.deliveries.count) ? state.deliveries[Int(id - 1)] : nil
        }
    }

    /// Deliveries matching a query, newest first.
    public func deliveries(_ query: DeliveryQuery) async throws -> [Delivery] {
        deliveryLog.withLock { state in
            let matching = state.deliveries.reversed().lazy.filter { delivery in
                (query.activation.map { $0 == delivery.activation } ?? true)
                    && (query.profile.map { $0 == delivery.profile } ?? true)
                    && (query.status.map { $0 == delivery.status } ?? true)
                    && (query.since.map { delivery.dueAt >= $0 } ?? true)
                    && (query.before.map { delivery.id < $0 } ?? true)
            }
            return Array(matching.prefix(max(0, query.limit)))
        }
    }

    /// Counts per status of deliveries due at or after an instant.
    public func deliveryCounts(activation: String?, since: Int64) async throws -> [Delivery.Status: Int] {
        deliveryLog.withLock { state in
            var counts: [Delivery.Status: Int] = [:]
            for delivery in state.deliveries
            where delivery.dueAt >= since && (activation.map { $0 == delivery.activation } ?? true) {
                counts[delivery.status, default: 0] += 1
            }
            return counts
        }
    }

    /// How many of a profile's deliveries decided since an instant count against caps.
    public func cappedCount(profile: String, channel: String?, since: Int64) async throws -> Int {
        deliveryLog.withLock { state in
            state.deliveries.lazy.filter { delivery in
                delivery.profile == profile && delivery.status.countsAgainstCaps
                    && (delivery.decidedAt.map { $0 >= since } ?? false)
                    && (channel.map { $0 == delivery.channel } ?? true)
            }.count
        }
    }

    /// The instant of the latest change that triggered an activation for a profile.
    public func lastTrigger(activation: String, profile: String) async throws -> Int64? {
        deliveryLog.withLock { state in
            state.deliveries.lazy.filter {
                $0.activation == activation && $0.profile == profile && $0.step == 0 && $0.status != .reentry
            }.map(\.changeInstant).max()
        }
    }

    /// Turns a destination off until its definition changes.
    public func disableDestination(_ name: String, fingerprint: String, at instant: Int64) async throws {
        deliveryLog.withLock { $0.disabled[name] = fingerprint }
    }

    /// The destinations turned off, with their fingerprints.
    public func disabledDestinations() async throws -> [String: String] {
        deliveryLog.withLock { $0.disabled }
    }
}
