/// An id the store's index finds messages by: a userId finds the messages carrying it, an anonymousId
/// those carrying it without a userId, and a groupId the group calls of that account.
public enum IndexedID: Sendable, Hashable {
    case user(String)
    case anonymous(String)
    case account(String)
}
