extension Generator {
    /// The kind of product the demo data imitates: it changes the mix of users, never the vocabulary.
    ///
    /// Every profile emits every event and property of the catalog; `saas` is mostly B2B product
    /// usage, `ecommerce` mostly shopping (with some fintech), `media` mostly content, learning and
    /// fitness.
    public enum Profile: String, CaseIterable, Sendable {
        /// Business software: accounts of several users, trials, plans, feature usage.
        case saas
        /// Online shopping and banking: product views, carts, orders, card features.
        case ecommerce
        /// Consumer apps: articles, paywalls, courses and lessons, workouts.
        case media
    }
}
