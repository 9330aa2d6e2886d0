import StrataLanguage
import StrataStore

/// A destination kind this build cannot send to yet: every attempt fails at once with a message
/// naming the kind, so the delivery log says why nothing went out.
struct UnavailableSender: Sender {
    /// The kind, as written in the destination's file.
    let kind: String

    func send(_ payload: Payload, template: Template?, now: Int64) async -> SendOutcome {
        .fail(error: "`kind: \(kind)` destinations cannot send in this version of Strata", status: nil, disable: false)
    }
}
