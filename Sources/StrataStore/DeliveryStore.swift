/// The delivery log of activations: the outbox every step goes through, the decisions taken on it,
/// and the destinations turned off by their receivers.
public protocol DeliveryStore: Sendable {
    /// Records new deliveries, skipping any whose (change id, activation, step) is already recorded, and
    /// saves that the named consumer of the change log has handled every change through `changeID`, in
    /// one transaction: a crash between the two can neither lose nor double a delivery. Returns how
    /// many were recorded.
    @discardableResult
    func enqueue(_ deliveries: [Delivery], consumer: String, through changeID: Int64) async throws -> Int

    /// Deliveries with work ahead whose next instant has come (`nextAt <= instant`), oldest first
    /// (by next instant, then id), at most `limit`; a delivery waits while an earlier one (a lower id)
    /// of the same profile and activation is being sent or retried, so that they go out in change order.
    func dueDeliveries(at instant: Int64, limit: Int) async throws -> [Delivery]

    /// The earliest next instant after `instant` of a delivery with work ahead, nil when there is none.
    func nextDueInstant(after instant: Int64) async throws -> Int64?

    /// Makes the deliveries left `sending` by an outbox that stopped due at `instant` (those whose next
    /// instant is later): an outbox calls it as it starts, when none of them is being sent. Returns how
    /// many it moved.
    @discardableResult
    func reopenSending(at instant: Int64) async throws -> Int

    /// Saves the state of deliveries already recorded (status, variant, attempts, errors, instants).
    ///
    /// The pending deliveries behind a delivery being retried (later ones of its profile and activation)
    /// are parked: their next instant moves to the retry's (never before their due instant), so that
    /// rounds do not meet them again while they wait; once it is done (sent, failed, dead), they are due
    /// at their due instant again. ``enqueue(_:consumer:through:)`` parks a new pending delivery the same way.
    func update(_ deliveries: [Delivery]) async throws

    /// The delivery of an id.
    func delivery(id: Int64) async throws -> Delivery?

    /// Deliveries matching a query, newest first.
    func deliveries(_ query: DeliveryQuery) async throws -> [Delivery]

    /// Counts, per status, of an activation's deliveries due at or after an instant (all activations'
    /// when nil).
    func deliveryCounts(activation: String?, since: Int64) async throws -> [Delivery.Status: Int]

    /// How many of a profile's deliveries count against caps (``Delivery/Status/countsAgainstCaps``) and
    /// were decided at or after `since`: on one channel, or on every channel when `channel` is nil.
    func cappedCount(profile: String, channel: String?, since: Int64) async throws -> Int

    /// The instant of the latest change that triggered an activation for a profile (its first step
    /// recorded with any status but `reentry`), nil when it never did.
    func lastTrigger(activation: String, profile: String) async throws -> Int64?

    /// Turns a destination off (a receiver answered 410 Gone) until its definition changes: the
    /// fingerprint names the definition that was turned off.
    func disableDestination(_ name: String, fingerprint: String, at instant: Int64) async throws

    /// The destinations turned off, with the fingerprint of the definition each was turned off under.
    func disabledDestinations() async throws -> [String: String]
}
