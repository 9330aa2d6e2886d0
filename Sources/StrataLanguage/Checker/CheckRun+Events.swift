import StrataCore

extension CheckRun {
    // MARK: Event functions

    mutating func checkAggregate(
        _ name: String, takesField: Bool, _ arguments: [Argument],
        _ range: SourceRange, _ context: Context
    ) -> TypedExpr? {
        guard let args = sortArguments(arguments, function: name, named: [], window: true) else { return nil }
        guard args.positional.count == (takesField ? 2 : 1) else {
            arityError(name, args.positional.count, range)
            return nil
        }
        let selector = eventSelector(args.positional[0], context)
        var field: Field?
        if takesField {
            guard let read = self.field(args.positional[1], function: name) else { return nil }
            field = read
        }
        let window = resolveWindow(args.window, context)
        guard let selector, let window, let aggregate = FunctionCatalog.aggregate(name, field: field) else {
            return nil
        }
        let (type, missing): (ValueType, Bool) =
            switch aggregate {
            case .count, .countDistinct, .sum, .activeDays: (.number, false)
            case .did: (.bool, false)
            case .average, .minimum, .maximum, .daysSince, .daysSinceFirst, .averageGap, .topShare: (.number, true)
            case .firstTime, .lastTime: (.timestamp, true)
            case .top: (.dynamic, true)
            }
        return TypedExpr(
            .aggregate(EventAggregate(function: aggregate, selector: selector, window: window)), type: type,
            mayBeMissing: missing, range: range)
    }

    mutating func checkShare(_ arguments: [Argument], _ range: SourceRange, _ context: Context) -> TypedExpr? {
        guard let args = sortArguments(arguments, function: "share", named: ["of"], window: true) else { return nil }
        guard args.positional.count == 1 else {
            arityError("share", args.positional.count, range)
            return nil
        }
        guard let of = args.named["of"] else {
            error(
                .missingArgument,
                "`share` needs `of: E2`, the events to divide by: \(FunctionCatalog.usage["share"] ?? "")",
                at: range)
            return nil
        }
        let selector = eventSelector(args.positional[0], context)
        let total = eventSelector(of.value, context)
        let window = resolveWindow(args.window, context)
        guard let selector, let total, let window else { return nil }
        return TypedExpr(.share(selector, of: total, window: window), type: .number, mayBeMissing: true, range: range)
    }

    mutating func checkSequence(
        _ name: String, _ arguments: [Argument], _ range: SourceRange, _ context: Context
    )
        -> TypedExpr?
    {
        guard let args = sortArguments(arguments, function: name, named: ["within"], window: true) else { return nil }
        let count = args.positional.count
        guard name == "funnel" ? count >= 2 : count == 2 else {
            arityError(name, count, range)
            return nil
        }
        guard let within = args.named["within"] else {
            error(
                .missingArgument,
                "`\(name)` needs `within: D`, the time allowed after the first step: \(FunctionCatalog.usage[name] ?? "")",
                at: range)
            return nil
        }
        var withinMilliseconds: Int64?
        if case .duration(let ms) = within.value.kind, ms > 0 {
            withinMilliseconds = ms
        } else {
            error(
                .invalidArgument, "`within:` takes a positive duration such as 2h, found \(describe(within.value))",
                at: within.value.range)
        }
        var steps: [EventSelector] = []
        var ok = true
        for argument in args.positional {
            if let selector = eventSelector(argument, context) { steps.append(selector) } else { ok = false }
        }
        let window = resolveWindow(args.window, context)
        guard ok, let window, let withinMilliseconds else { return nil }
        let kind = EventSequence.Kind(rawValue: name) ?? .funnel
        return TypedExpr(
            .sequence(EventSequence(kind: kind, steps: steps, within: withinMilliseconds, window: window)),
            type: kind == .funnel ? .number : .bool, range: range)
    }

    // MARK: Selectors and fields

    /// Lowers `"A"`, `any`, `("A" or "B")`, each optionally with `where COND`, into a selector.
    mutating func eventSelector(_ expr: Expr, _ context: Context) -> EventSelector? {
        var base = expr
        var conditionExpr: Expr?
        if case .filtered(let selector, let condition) = expr.kind {
            base = selector
            conditionExpr = condition
        }
        var names: [String]?? = .none
        var ok = true
        collectNames(base, into: &names, ok: &ok)
        var condition: TypedExpr?
        if let conditionExpr {
            var inner = context
            inner.inWhere = true
            if let typed = check(conditionExpr, inner), expectCondition(typed, "`where`") {
                condition = typed
            } else {
                ok = false
            }
        }
        guard ok, let names else { return nil }
        return EventSelector(names: names, condition: condition)
    }

    /// Gathers event names; `names` becomes `.some(nil)` for `any`.
    private mutating func collectNames(_ expr: Expr, into names: inout [String]??, ok: inout Bool) {
        switch expr.kind {
        case .string(let name):
            guard !name.isEmpty else {
                error(.invalidArgument, "an event name cannot be empty", at: expr.range)
                ok = false
                return
            }
            checkEventName(name, expr.range)
            switch names {
            case .none: names = .some([name])
            case .some(.some(let list)): if !list.contains(name) { names = .some(list + [name]) }
            case .some(.none): break
            }
        case .any:
            names = .some(nil)
        case .binary(.or, let left, let right):
            collectNames(left, into: &names, ok: &ok)
            collectNames(right, into: &names, ok: &ok)
        default:
            error(
                .invalidArgument,
                "expected an event selector: an event name in quotes, `any`, or (\"A\" or \"B\"), found \(describe(expr))",
                at: expr.range)
            ok = false
        }
    }

    mutating func checkEventName(_ name: String, _ range: SourceRange) {
        guard let known = symbols.events, !known.contains(name) else { return }
        warning(
            .unknownEvent, "unknown event \"\(name)\": no such event in the store", at: range,
            suggestion: Suggestion.nearest(to: name, in: known))
    }

    /// Reads a property argument: `revenue`, `a.b`, `` `Plan Name` ``, `$user`.
    mutating func field(_ expr: Expr, function: String) -> Field? {
        guard case .path(let path) = expr.kind else {
            error(
                .invalidArgument,
                "`\(function)` takes an event property name (e.g. revenue, a.b, `Plan Name` or $user) as its second "
                    + "argument, found \(describe(expr))", at: expr.range)
            return nil
        }
        if !path.quotedFirst, let head = path.segments.first, head.hasPrefix("$") {
            guard path.segments.count == 1, let field = EventField(rawValue: head) else {
                error(
                    .unknownName, "unknown event field `\(path)`: expected $weekday, $hour, $user or $name",
                    at: expr.range, suggestion: Suggestion.nearest(to: head, in: EventField.allCases.map(\.rawValue)))
                return nil
            }
            return .event(field)
        }
        if !path.quotedFirst, path.segments.count >= 2, CheckRun.referencePrefixes.contains(path.segments[0]) {
            // `trait.mrr` means the profile's trait everywhere else, `where` included.
            error(
                .invalidArgument,
                "`\(path)` reads the profile, but `\(function)` reads a property of each event; for a property "
                    + "named `\(path.segments[0])`, quote it: `\(path.segments[0])`.\(path.segments.dropFirst().joined(separator: "."))",
                at: expr.range)
            return nil
        }
        return .property(path.segments)
    }

    // MARK: Windows

    /// Validates and resolves a window; no window is `.allTime`, or `.period` inside streak / count_periods.
    mutating func resolveWindow(_ syntax: WindowSyntax?, _ context: Context) -> Window? {
        guard let syntax else { return context.period == nil ? .allTime : .period }
        if let period = context.period {
            error(
                .windowNotAllowed,
                "event functions inside `\(period)` take no window: the period is their window", at: syntax.range)
            return nil
        }
        let range = syntax.range
        func positive(_ ms: Int64) -> Bool {
            if ms <= 0 {
                error(.invalidWindow, "a window needs a positive duration", at: range)
                return false
            }
            return true
        }
        switch syntax.kind {
        case .last(let ms):
            return positive(ms) ? .last(ms) : nil
        case .next(let ms):
            guard context.allowNext else {
                error(
                    .nextOutsideLabel,
                    "`next` looks past the evaluation instant: it is only allowed in a model's `label`", at: range)
                return nil
            }
            return positive(ms) ? .next(ms) : nil
        case .agoRange(let from, let to):
            guard from > to else {
                error(
                    .invalidWindow,
                    "this window is empty: the first duration must be further in the past than the second "
                        + "(e.g. `from 60d ago to 30d ago`)", at: range)
                return nil
            }
            return .between(agoFrom: from, agoTo: to)
        case .before(let ms):
            return .before(ago: ms)
        case .since(let point):
            return .since(point)
        case .absolute(let from, let to):
            var empty = false
            switch (from, to) {
            case (.date(let a), .date(let b)): empty = a >= b
            case (.instant(let a), .instant(let b)): empty = a >= b
            // A date starts at its midnight in the workspace's zone, which the check does not know: between
            // 14 hours before midnight UTC (UTC+14) and 12 hours after it (UTC-12). Empty in every zone
            // is an error; a window that is empty only in some zones is left to the run.
            case (.date(let a), .instant(let b)): empty = Int64(a.daysSinceEpoch) * Instant.day - 14 * Instant.hour >= b
            case (.instant(let a), .date(let b)): empty = a >= Int64(b.daysSinceEpoch) * Instant.day + 12 * Instant.hour
            }
            if empty {
                error(.invalidWindow, "this window is empty: `from` must be before `to`", at: range)
                return nil
            }
            return .absolute(from: from, to: to)
        case .this(let unit):
            return .calendar(.this, unit)
        case .previous(let unit):
            return .calendar(.previous, unit)
        case .first(let ms, let anchor):
            guard positive(ms), let resolved = resolveAnchor(anchor, context) else { return nil }
            return .first(ms, anchor: resolved)
        case .relative(let from, let to, let anchor):
            guard to > from else {
                error(
                    .invalidWindow,
                    "this window is empty: the second duration must be longer than the first "
                        + "(e.g. `from 7d to 14d after first_seen`)", at: range)
                return nil
            }
            guard let resolved = resolveAnchor(anchor, context) else { return nil }
            return .relative(from: from, to: to, anchor: resolved)
        }
    }

    mutating func resolveAnchor(_ anchor: WindowSyntax.AnchorSyntax?, _ context: Context) -> WindowAnchor? {
        switch anchor {
        case nil, .firstSeen?:
            return .firstSeen
        case .event(let expr)?:
            guard let selector = eventSelector(expr, context) else { return nil }
            return .firstEvent(selector)
        }
    }
}
