import StrataCore
import StrataLanguage
import StrataStore

/// Turns recorded membership changes into delivery records: one per step of each activation a change
/// triggers, due at the change's instant plus the step's delay. A change that the activation's
/// `reentry` rule refuses is recorded too, every step with status `reentry`, so the log says why
/// nothing was sent.
public enum Triggering {
    /// The delivery records of some changes, in change order.
    ///
    /// - Parameter lastTrigger: the instant of the latest change that triggered an activation for a
    ///   profile before these (the delivery log's ``DeliveryStore/lastTrigger(activation:profile:)``).
    public static func deliveries(
        for changes: [RecordedChange], settings: ActivationSettings,
        lastTrigger: (_ activation: String, _ profile: String) async throws -> Int64?
    ) async throws -> [Delivery] {
        var deliveries: [Delivery] = []
        // Triggers accepted within these changes, which the store does not hold yet.
        var accepted: [[String]: Int64] = [:]
        for recorded in changes {
            let change = recorded.change
            for activation in settings.triggered(by: change) {
                let key = [activation.name, change.profile]
                var previous = accepted[key]
                // `always` needs no history: the delivery log is read only for the other rules.
                if previous == nil, activation.reentry != .always {
                    previous = try await lastTrigger(activation.name, change.profile)
                }
                let refused: Bool =
                    switch activation.reentry {
                    case .always: false
                    case .never: previous != nil
                    case .every(let span): previous.map { change.instant - $0 < span } ?? false
                    }
                if !refused { accepted[key] = change.instant }
                for (index, step) in activation.steps.enumerated() {
                    var delivery = Delivery(
                        changeID: recorded.id, activation: activation.name, step: index, segment: change.segment,
                        profile: change.profile, entered: change.entered, changeInstant: change.instant,
                        cause: change.cause.name, destination: step.destination,
                        channel: settings.destinations[step.destination]?.channel ?? step.destination,
                        dueAt: change.instant + step.after)
                    if refused {
                        delivery.status = .reentry
                        delivery.decidedAt = recorded.recordedAt
                        delivery.finishedAt = recorded.recordedAt
                    }
                    deliveries.append(delivery)
                }
            }
        }
        return deliveries
    }
}
