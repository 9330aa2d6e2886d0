/// An activation: what to do when a profile enters or leaves a segment (`activations/NAME.yaml`).
public struct Activation: Sendable {
    /// Which membership change triggers it.
    public enum Trigger: String, Sendable, CaseIterable {
        /// The profile entered the segment.
        case enter
        /// The profile left the segment.
        case exit
    }

    /// What kind of message it sends, which decides the messaging rules it obeys.
    public enum Category: String, Sendable, CaseIterable {
        /// Capped, counted, subject to global control, quiet hours and unsubscribes (the default).
        case marketing
        /// Exempt from caps, global control, quiet hours and unsubscribes.
        case transactional
    }

    /// How often one profile may trigger it.
    public enum Reentry: Sendable, Equatable {
        /// Every time (the default).
        case always
        /// Once per profile, ever.
        case never
        /// At most once per this span (ms), measured between triggering changes.
        case every(Int64)
    }

    /// One step: a destination, after a delay, with an optional template, A/B variants and condition.
    public struct Step: Sendable {
        /// The delay after the change (ms).
        public var after: Int64
        /// The destination's name.
        public var destination: String
        /// The template's name, when the destination renders one.
        public var template: String?
        /// The variants of an A/B split, in file order; empty without a split.
        public var variants: [Variant]
        /// A condition evaluated for the profile at the step's due instant.
        public var when: TypedExpr?
        /// The `when` condition as written.
        public var whenSource: String?

        /// A step from its parts.
        public init(
            after: Int64, destination: String, template: String? = nil, variants: [Variant] = [],
            when: TypedExpr? = nil, whenSource: String? = nil
        ) {
            self.after = after
            self.destination = destination
            self.template = template
            self.variants = variants
            self.when = when
            self.whenSource = whenSource
        }
    }

    /// One arm of an A/B split.
    public struct Variant: Sendable, Equatable {
        /// The variant's name.
        public var name: String
        /// Its weight, in percent; the weights of a step sum to 100.
        public var weight: Double
        /// The template it sends instead of the step's.
        public var template: String?

        /// A variant from its parts.
        public init(name: String, weight: Double, template: String?) {
            self.name = name
            self.weight = weight
            self.template = template
        }
    }

    /// The activation's name (its file's stem).
    public var name: String
    /// The workspace-relative file.
    public var file: String
    /// A title for people.
    public var title: String?
    /// The segment it watches.
    public var segment: String
    /// Enter or exit.
    public var trigger: Trigger
    /// Marketing or transactional.
    public var category: Category
    /// Higher wins when a cap leaves room for fewer steps than are due at one instant.
    public var priority: Int
    /// How often one profile may trigger it.
    public var reentry: Reentry
    /// The share of profiles held out as its control group, in basis points (0 to 10,000).
    public var holdout: Int
    /// The share of eligible profiles it reaches, in basis points (10,000 by default).
    public var rollout: Int
    /// What "converted" means for its reports.
    public var goal: TypedExpr?
    /// How long after the change a goal counts (ms).
    public var conversionWindow: Int64
    /// The steps, in file order.
    public var steps: [Step]

    /// An activation from its parts (the defaults are those of a file that leaves the keys out).
    public init(
        name: String, file: String, title: String? = nil, segment: String, trigger: Trigger,
        category: Category = .marketing, priority: Int = 0, reentry: Reentry = .always, holdout: Int = 0,
        rollout: Int = 10_000, goal: TypedExpr? = nil, conversionWindow: Int64 = 7 * 86_400_000, steps: [Step]
    ) {
        self.name = name
        self.file = file
        self.title = title
        self.segment = segment
        self.trigger = trigger
        self.category = category
        self.priority = priority
        self.reentry = reentry
        self.holdout = holdout
        self.rollout = rollout
        self.goal = goal
        self.conversionWindow = conversionWindow
        self.steps = steps
    }
}
