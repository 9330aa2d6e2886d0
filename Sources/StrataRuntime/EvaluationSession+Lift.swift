import StrataActivation
import StrataClickHouse
import StrataCore
import StrataEngine
import StrataLanguage
import StrataStore

extension EvaluationSession {
    /// The fewest profiles a group needs before a lift is stated.
    public static let liftMinimum = 30

    /// The lift of an activation (reports spec, section 6): among the triggers of its first step, the
    /// treated (`sent`) against the control (`held_out` and `control`), overall and by variant, with
    /// conversion as a goal event in (change, change + within]. Columns: activation, variant, group, n,
    /// converted, rate, low, high, difference, difference_low, difference_high, relative_lift, p_value;
    /// the comparison is stated on treated rows, and only when both groups have 30 profiles or more.
    /// With `clickHouse` (a workspace with `store: clickhouse`), the times of the goal events of the
    /// triggered profiles are read from ClickHouse once it is up to date (``ClickHouseAccess``)
    /// (``StrataClickHouse/Evaluator/eventTimes(of:matching:source:flag:asOf:)``).
    public func lift(
        activation name: String, goal text: String?, within: Int64?, asOf instant: Int64,
        clickHouse: ClickHouseAccess? = nil, progress: (Int) -> Void = { _ in }
    ) async throws(SessionError) -> ReportTable {
        guard let activation = activationSettings.activations[name] else {
            let names = activationSettings.activations.keys.sorted()
            let hint = Suggestion.nearest(to: name, in: names).map { "; did you mean `\($0)`?" } ?? ""
            throw SessionError(.unknownDefinition, "unknown activation `\(name)`\(hint)")
        }
        let selector: EventSelector
        let expression: TypedExpr
        if let text {
            (selector, expression) = try self.selector(text, flag: "--goal")
        } else if let goal = activation.goal, case .aggregate(let aggregate) = goal.node, aggregate.function == .did {
            (selector, expression) = (aggregate.selector, goal)
        } else {
            throw SessionError(
                .invalidArgument,
                "activation `\(name)` has no `goal:` of the form did(EVENTS): give the goal events with --goal")
        }
        let span = within ?? activation.conversionWindow
        try Self.checkWithin(span)
        let deliveries: [Delivery]
        do {
            deliveries = try await store.deliveries(DeliveryQuery(activation: name, limit: Int.max))
                .filter { $0.step == 0 }
        } catch {
            throw .store(error)
        }
        let (events, index) = try await goalTimes(
            of: deliveries.map(\.profile), matching: selector, source: expression,
            flag: text == nil ? "activations/\(name).yaml" : "--goal", asOf: instant, clickHouse: clickHouse,
            progress: progress)
        func conversion(_ group: [Delivery]) -> Statistics.Proportion {
            Cohorts.conversion(
                group.map { Cohorts.Member(start: $0.changeInstant, profile: index[$0.profile]) },
                events: events, within: span, asOf: instant)
        }
        let control = conversion(deliveries.filter { $0.status == .heldOut || $0.status == .control })
        var groups: [(variant: String, treated: Statistics.Proportion)] = [
            ("", conversion(deliveries.filter { $0.status == .sent }))
        ]
        for variant in Set(deliveries.compactMap(\.variant)).sorted() {
            groups.append((variant, conversion(deliveries.filter { $0.status == .sent && $0.variant == variant })))
        }
        var rows: [[JSONValue]] = []
        for group in groups {
            let enough = group.treated.trials >= Self.liftMinimum && control.trials >= Self.liftMinimum
            let difference = enough ? Statistics.newcombe(group.treated, control) : nil
            let test = enough ? Statistics.twoProportionTest(group.treated, control) : nil
            let relative: Double? =
                enough ? group.treated.rate.flatMap { t in control.rate.flatMap { $0 > 0 ? t / $0 - 1 : nil } } : nil
            rows.append(
                [
                    .string(name), .string(group.variant), .string("treated"), .number(Double(group.treated.trials)),
                    .number(Double(group.treated.successes)),
                ]
                    + ReportValues.rate(group.treated)
                    + [
                        enough
                            ? ReportValues.fraction(group.treated.rate.flatMap { t in control.rate.map { t - $0 } })
                            : .null,
                        ReportValues.fraction(difference?.lowerBound), ReportValues.fraction(difference?.upperBound),
                        ReportValues.fraction(relative), test.map { .number($0.p) } ?? .null,
                    ])
        }
        rows.append(
            [
                .string(name), .string(""), .string("control"), .number(Double(control.trials)),
                .number(Double(control.successes)),
            ] + ReportValues.rate(control) + [.null, .null, .null, .null, .null])
        return ReportTable(
            columns: [
                "activation", "variant", "group", "n", "converted", "rate", "low", "high", "difference",
                "difference_low", "difference_high", "relative_lift", "p_value",
            ], rows: rows,
            settings: [
                "as_of": .string(Instant.format(instant)), "within_ms": .number(Double(span)),
                "minimum_group": .number(Double(Self.liftMinimum)),
            ])
    }

    /// The times of the selection's events as of an instant, with the index in them of each of the
    /// profiles that has a message by then: read from ClickHouse with `clickHouse`, else from timelines
    /// built by the embedded engine.
    private func goalTimes(
        of profiles: [String], matching selector: EventSelector, source expression: TypedExpr, flag: String,
        asOf instant: Int64, clickHouse: ClickHouseAccess?, progress: (Int) -> Void
    ) async throws(SessionError) -> (events: EventTimes, index: [String: Int]) {
        let profiles = Set(profiles).sorted()
        if let clickHouse {
            let times =
                profiles.isEmpty
                ? [:]
                : try await evaluated(clickHouse) { evaluator in
                    try await evaluator.eventTimes(
                        of: profiles, matching: selector, source: expression, flag: flag, asOf: instant)
                }
            let held = profiles.filter { times[$0] != nil }
            return (
                EventTimes(held.map { times[$0] ?? [] }),
                Dictionary(uniqueKeysWithValues: held.enumerated().map { ($1, $0) })
            )
        }
        var needs = DataNeeds(definitions: definitions)
        needs.add(expression, scope: .users)
        var builders = [TimelineBuilder(asOf: instant, needs: needs)]
        _ = try scan(into: &builders, progress: progress)
        let engine = self.engine(over: builders[0].build(), now: instant)
        let timelines = engine.population.users
        do {
            let events = try engine.eventTimes(matching: selector)
            var index: [String: Int] = [:]
            for profile in profiles { index[profile] = timelines.index(of: profile) }
            return (events, index)
        } catch {
            throw SessionError(.evaluation, error.description)
        }
    }
}
