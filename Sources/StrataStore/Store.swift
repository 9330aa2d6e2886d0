/// Everything a workspace keeps: the message log, identity, the change log, trained models, keys, the
/// delivery log, the unsubscribes and the erasures.
/// Each part is its own protocol so that a consumer asks for only what it reads; an implementation
/// (SQLite, in memory) provides them all.
public typealias Store = MessageLog & IdentityStore & ChangeLog & ModelStore & KeyStore & DeliveryStore
    & SuppressionStore & ErasureStore
