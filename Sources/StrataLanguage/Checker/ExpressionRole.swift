/// What an expression is used for, which decides its expected type and what it may use.
public enum ExpressionRole: String, Sendable, Hashable, CaseIterable {
    /// A segment's `where`: a condition.
    case segmentCondition
    /// A stage's condition: a condition.
    case stageCondition
    /// A model's `population`, or RFM's `population`: a condition.
    case population
    /// A weighted score input `expr`: a number or a condition (0 or 1).
    case scoreInput
    /// A model feature: a number or a condition (0 or 1).
    case modelFeature
    /// A model `label`: a condition; the only place `next D` is allowed.
    case modelLabel
    /// An RFM recency, frequency or monetary expression: a number.
    case rfmValue
    /// A computed trait: any type.
    case computedTrait
    /// An activation step's `when`: a condition.
    case stepCondition
    /// An activation's `goal`: a condition.
    case activationGoal

    /// The types the expression may have (`.dynamic` is always accepted).
    var allowedTypes: Set<ValueType> {
        switch self {
        case .segmentCondition, .stageCondition, .population, .modelLabel, .stepCondition, .activationGoal: [.bool]
        case .scoreInput, .modelFeature: [.number, .bool]
        case .rfmValue: [.number]
        case .computedTrait: [.number, .string, .bool, .timestamp, .duration]
        }
    }

    /// "a segment's `where`", for messages.
    var subject: String {
        switch self {
        case .segmentCondition: "a segment's `where`"
        case .stageCondition: "a stage condition"
        case .population: "a `population`"
        case .scoreInput: "a score input"
        case .modelFeature: "a model feature"
        case .modelLabel: "a model `label`"
        case .rfmValue: "an RFM value"
        case .computedTrait: "a computed trait"
        case .stepCondition: "a step's `when`"
        case .activationGoal: "an activation's `goal`"
        }
    }

    /// "a condition (bool)", for messages.
    var expectation: String {
        switch self {
        case .segmentCondition, .stageCondition, .population, .modelLabel, .stepCondition, .activationGoal:
            "a condition (bool)"
        case .scoreInput, .modelFeature: "a number or a condition"
        case .rfmValue: "a number"
        case .computedTrait: "a value"
        }
    }
}
