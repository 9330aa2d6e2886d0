import StrataCore
import StrataLanguage
import StrataStore

/// Reading and correcting the delivery log, the same for the command line and the API.
public enum DeliveryLog {
    /// Why a delivery cannot be retried by hand.
    public struct RetryError: Error, Sendable, Equatable, CustomStringConvertible {
        /// What is wrong.
        public var message: String
        /// Whether no delivery has the id (as opposed to one that cannot be retried).
        public var notFound: Bool

        public var description: String { message }
    }

    /// Schedules a `dead` or `failed` delivery to be sent again at once (the server's outbox sends it,
    /// with the same delivery id, skipping the decisions already made).
    public static func retry(id: Int64, store: any DeliveryStore, at instant: Int64) async throws -> Delivery {
        guard var delivery = try await store.delivery(id: id) else {
            throw RetryError(message: "no delivery has id \(id)", notFound: true)
        }
        guard delivery.status == .dead || delivery.status == .failed else {
            throw RetryError(
                message:
                    "delivery \(id) is \(delivery.status.rawValue): only dead and failed deliveries can be retried",
                notFound: false)
        }
        delivery.status = .retrying
        delivery.nextAt = instant
        delivery.finishedAt = nil
        try await store.update([delivery])
        return delivery
    }

    /// One activation as `strata activations` and `GET /api/v1/activations` show it: what it watches,
    /// its steps, and its deliveries by status since an instant.
    public static func summary(
        of activation: Activation, counts: [Delivery.Status: Int], since: Int64
    ) -> JSONValue {
        var byStatus: [String: JSONValue] = [:]
        for (status, count) in counts { byStatus[status.rawValue] = .number(Double(count)) }
        return .object([
            "name": .string(activation.name), "title": activation.title.map { .string($0) } ?? .null,
            "segment": .string(activation.segment), "on": .string(activation.trigger.rawValue),
            "category": .string(activation.category.rawValue), "priority": .number(Double(activation.priority)),
            "holdout": .string(percent(activation.holdout)), "rollout": .string(percent(activation.rollout)),
            "steps": .array(
                activation.steps.enumerated().map { index, step in
                    .object([
                        "index": .number(Double(index)), "after_ms": .number(Double(step.after)),
                        "destination": .string(step.destination),
                        "template": step.template.map { .string($0) } ?? .null,
                        "variants": .array(step.variants.map { .string($0.name) }),
                        "when": step.whenSource.map { .string($0) } ?? .null,
                    ])
                }),
            "deliveries_since": .string(Instant.format(since)), "deliveries": .object(byStatus),
        ])
    }

    /// Basis points as a percentage, `10%` or `2.5%`.
    static func percent(_ basisPoints: Int) -> String {
        basisPoints % 100 == 0
            ? "\(basisPoints / 100)%" : "\(Double(basisPoints) / 100)%"
    }
}

extension Delivery {
    /// The delivery as the API and `strata deliveries --format jsonl` give it.
    public var json: JSONValue {
        func instant(_ value: Int64?) -> JSONValue { value.map { .string(Instant.format($0)) } ?? .null }
        return .object([
            "id": .number(Double(id)), "change_id": .number(Double(changeID)), "activation": .string(activation),
            "step": .number(Double(step)), "segment": .string(segment), "profile": .string(profile),
            "type": .string(entered ? "segment.entered" : "segment.exited"), "change_instant": instant(changeInstant),
            "cause": .string(cause), "destination": .string(destination), "channel": .string(channel),
            "variant": variant.map { .string($0) } ?? .null, "status": .string(status.rawValue),
            "attempts": .number(Double(attempts)), "last_error": lastError.map { .string($0) } ?? .null,
            "response_status": responseStatus.map { .number(Double($0)) } ?? .null, "due_at": instant(dueAt),
            "next_at": Delivery.Status.open.contains(status) ? instant(nextAt) : .null,
            "decided_at": instant(decidedAt), "finished_at": instant(finishedAt), "late": .bool(late),
        ])
    }
}
