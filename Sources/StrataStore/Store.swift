/// Everything a workspace keeps: the message log, identity, the change log, trained models, keys and
/// the delivery log.
/// Each part is its own protocol so that a consumer asks for only what it reads; an implementation
/// (SQLite, in memory) provides them all.
public typealias Store = MessageLog & IdentityStore & ChangeLog & ModelStore & KeyStore & DeliveryStore
