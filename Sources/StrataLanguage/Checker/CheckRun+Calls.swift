import StrataCore

extension CheckRun {
    /// The arguments of a call sorted by form.
    struct Arguments {
        var positional: [Expr] = []
        var named: [String: (range: SourceRange, value: Expr)] = [:]
        var window: WindowSyntax?
    }

    /// Sorts arguments into positional, named and window, reporting misplaced or unknown ones.
    mutating func sortArguments(
        _ arguments: [Argument], function name: String, named allowed: [String], window allowsWindow: Bool
    ) -> Arguments? {
        var sorted = Arguments()
        var ok = true
        for (index, argument) in arguments.enumerated() {
            switch argument.kind {
            case .positional(let value):
                sorted.positional.append(value)
            case .named(let argumentName, let nameRange, let value):
                if !allowed.contains(argumentName) {
                    if allowed.isEmpty {
                        error(
                            .unknownArgument, "`\(name)` takes no named argument `\(argumentName):`", at: nameRange)
                    } else {
                        let list = allowed.map { "`\($0):`" }.joined(separator: ", ")
                        error(
                            .unknownArgument,
                            "unknown argument `\(argumentName):` for `\(name)`: expected \(list)", at: nameRange,
                            suggestion: Suggestion.nearest(to: argumentName, in: allowed).map { "\($0):" })
                    }
                    ok = false
                } else if sorted.named[argumentName] != nil {
                    error(.unknownArgument, "`\(argumentName):` is given twice", at: nameRange)
                    ok = false
                } else {
                    sorted.named[argumentName] = (nameRange, value)
                }
            case .window(let window):
                if !allowsWindow {
                    error(.windowNotAllowed, "`\(name)` takes no window", at: window.range)
                    ok = false
                } else if index != arguments.count - 1 {
                    error(.invalidWindow, "a window must be the last argument of `\(name)`", at: window.range)
                    ok = false
                } else {
                    sorted.window = window
                }
            }
        }
        return ok ? sorted : nil
    }

    mutating func arityError(_ name: String, _ found: Int, _ range: SourceRange) {
        let usage = FunctionCatalog.usage[name] ?? name
        let noun = found == 1 ? "argument" : "arguments"
        error(.arity, "wrong number of arguments to `\(name)`: expected \(usage), found \(found) \(noun)", at: range)
    }

    /// Checks a call of any function.
    mutating func checkCall(
        _ name: String, _ nameRange: SourceRange, _ arguments: [Argument], _ range: SourceRange, _ context: Context
    ) -> TypedExpr? {
        guard FunctionCatalog.usage[name] != nil else {
            error(
                .unknownFunction, "unknown function `\(name)`", at: nameRange,
                suggestion: Suggestion.nearest(to: name, in: FunctionCatalog.names))
            return nil
        }
        if context.inWhere, FunctionCatalog.eventReading.contains(name) {
            error(
                .invalidArgument,
                "`\(name)` cannot be used inside `where`: a `where` condition tests one event at a time", at: nameRange)
            return nil
        }
        let takesField = FunctionCatalog.aggregatesWithField.contains(name)
        if takesField || FunctionCatalog.aggregatesWithoutField.contains(name) {
            return checkAggregate(name, takesField: takesField, arguments, range, context)
        }
        switch name {
        case "share":
            return checkShare(arguments, range, context)
        case "followed_by", "not_followed_by", "funnel":
            return checkSequence(name, arguments, range, context)
        case "streak", "count_periods":
            return checkPeriodic(name, arguments, range, context)
        case "segment":
            return checkSegment(arguments, range, context)
        case "percentile":
            return checkPercentile(arguments, range, context)
        case "count_users":
            return checkCountUsers(arguments, range, context)
        default:
            return checkValueFunction(name, arguments, range, context)
        }
    }

    // MARK: Periodic

    mutating func checkPeriodic(
        _ name: String, _ arguments: [Argument], _ range: SourceRange, _ context: Context
    )
        -> TypedExpr?
    {
        guard let args = sortArguments(arguments, function: name, named: [], window: false) else { return nil }
        let expected = name == "streak" ? 2 : 3
        guard args.positional.count == expected else {
            arityError(name, args.positional.count, range)
            return nil
        }
        if let outer = context.period {
            error(.invalidArgument, "`\(name)` cannot be nested inside `\(outer)`", at: range)
            return nil
        }
        var unit: CalendarUnit?
        if case .unit(let u) = args.positional[0].kind, u != .year {
            unit = u
        } else {
            error(
                .invalidArgument,
                "the period of `\(name)` must be day, week or month, found \(describe(args.positional[0]))",
                at: args.positional[0].range)
        }
        var inner = context
        inner.period = name
        let condition = check(args.positional[1], inner)
        var periods = 0
        if name == "count_periods" {
            let n = args.positional[2]
            if case .number(let value) = n.kind, value >= 1, value <= 10_000, value.rounded() == value {
                periods = Int(value)
            } else {
                error(
                    .invalidArgument,
                    "the number of periods of `count_periods` must be a whole number from 1 to 10000, found \(describe(n))",
                    at: n.range)
                return nil
            }
        }
        guard let unit, let condition, expectCondition(condition, "the condition of `\(name)`") else { return nil }
        let node: PlanNode =
            name == "streak" ? .streak(unit, condition) : .countPeriods(unit, condition, periods: periods)
        return TypedExpr(node, type: .number, range: range)
    }

    // MARK: Profile and population

    mutating func checkSegment(_ arguments: [Argument], _ range: SourceRange, _ context: Context) -> TypedExpr? {
        guard let args = sortArguments(arguments, function: "segment", named: [], window: false) else { return nil }
        guard args.positional.count == 1 else {
            arityError("segment", args.positional.count, range)
            return nil
        }
        guard let name = segmentName(args.positional[0], function: "segment") else { return nil }
        if let kind = symbols.segments[name], kind != context.scope {
            let hint =
                kind == .accounts
                ? "in a definition of users write account.segment(\"\(name)\")"
                : "in a definition of accounts count its members with count_users(segment(\"\(name)\"))"
            error(.wrongScope, "segment `\(name)` is a segment of \(kind.rawValue): \(hint)", at: range)
            return nil
        }
        return TypedExpr(.segment(name), type: .bool, range: range)
    }

    /// Reads a quoted segment name that must exist, recording the reference.
    mutating func segmentName(_ expr: Expr, function: String) -> String? {
        guard case .string(let name) = expr.kind else {
            error(
                .invalidArgument, "`\(function)` takes a segment name in quotes, found \(describe(expr))",
                at: expr.range)
            return nil
        }
        guard symbols.segments[name] != nil else {
            error(
                .unknownSegment, "unknown segment `\(name)`: expected a file segments/\(name).yaml", at: expr.range,
                suggestion: Suggestion.nearest(to: name, in: symbols.segments.keys))
            return nil
        }
        reference(DefinitionID(.segment, name), at: expr.range)
        return name
    }

    mutating func checkPercentile(_ arguments: [Argument], _ range: SourceRange, _ context: Context) -> TypedExpr? {
        if let period = context.period {
            error(
                .invalidArgument,
                "`percentile` cannot be used inside `\(period)`: it ranks the population at the evaluation "
                    + "instant, not period by period", at: range)
            return nil
        }
        guard let args = sortArguments(arguments, function: "percentile", named: ["among"], window: false) else {
            return nil
        }
        guard args.positional.count == 1 else {
            arityError("percentile", args.positional.count, range)
            return nil
        }
        let value = check(args.positional[0], context)
        var among: String?
        if let amongArgument = args.named["among"] {
            guard let name = segmentName(amongArgument.value, function: "among:") else { return nil }
            among = name
        }
        guard let value else { return nil }
        guard [.number, .timestamp, .duration, .dynamic].contains(value.type) else {
            error(
                .typeMismatch,
                "expected a number, a timestamp or a duration to rank in `percentile`, found \(value.type)",
                at: value.range)
            return nil
        }
        return TypedExpr(.percentile(value, among: among), type: .number, mayBeMissing: true, range: range)
    }

    mutating func checkCountUsers(_ arguments: [Argument], _ range: SourceRange, _ context: Context) -> TypedExpr? {
        guard let args = sortArguments(arguments, function: "count_users", named: [], window: false) else {
            return nil
        }
        guard args.positional.count == 1 else {
            arityError("count_users", args.positional.count, range)
            return nil
        }
        guard context.scope == .accounts else {
            error(.wrongScope, "`count_users` is only valid in a definition of accounts (`of: accounts`)", at: range)
            return nil
        }
        var inner = context
        inner.scope = .users
        guard let condition = check(args.positional[0], inner),
            expectCondition(condition, "the condition of `count_users`")
        else { return nil }
        return TypedExpr(.countUsers(condition), type: .number, range: range)
    }

    // MARK: Plain functions

    mutating func checkValueFunction(
        _ name: String, _ arguments: [Argument], _ range: SourceRange, _ context: Context
    )
        -> TypedExpr?
    {
        guard let args = sortArguments(arguments, function: name, named: [], window: false) else { return nil }
        let count = args.positional.count
        let arityOK: Bool =
            switch name {
            case "days_between": count == 2
            case "least", "greatest", "coalesce": count >= 2
            case "round": count == 1 || count == 2
            default: count == 1
            }
        guard arityOK else {
            arityError(name, count, range)
            return nil
        }
        var values: [TypedExpr] = []
        for argument in args.positional {
            guard let value = check(argument, context) else { return nil }
            values.append(value)
        }
        let anyMissing = values.contains { $0.mayBeMissing }
        switch name {
        case "exists":
            return TypedExpr(.exists(values[0]), type: .bool, range: range)
        case "days_between":
            for value in values where value.type != .timestamp && value.type != .dynamic {
                error(.typeMismatch, "expected a timestamp for `days_between`, found \(value.type)", at: value.range)
                return nil
            }
            return TypedExpr(.daysBetween(values[0], values[1]), type: .number, mayBeMissing: true, range: range)
        case "coalesce":
            let known = values.first { $0.type != .dynamic }
            if let known {
                for value in values where value.type != .dynamic && value.type != known.type {
                    error(
                        .typeMismatch,
                        "expected \(known.type) like the other arguments of `coalesce`, found \(value.type)",
                        at: value.range)
                    return nil
                }
            }
            return TypedExpr(
                .coalesce(values), type: known?.type ?? .dynamic,
                mayBeMissing: values.allSatisfy { $0.mayBeMissing }, range: range)
        case "least", "greatest":
            let known = values.first { $0.type != .dynamic }
            for value in values {
                if ![.number, .timestamp, .duration, .dynamic].contains(value.type) {
                    error(
                        .typeMismatch,
                        "expected a number, a timestamp or a duration for `\(name)`, found \(value.type)",
                        at: value.range)
                    return nil
                }
                if let known, value.type != .dynamic, value.type != known.type {
                    error(
                        .typeMismatch,
                        "expected \(known.type) like the other arguments of `\(name)`, found \(value.type)",
                        at: value.range)
                    return nil
                }
            }
            let function = MathFunction(rawValue: name) ?? .least
            return TypedExpr(
                .math(function, values), type: known?.type ?? .number, mayBeMissing: anyMissing, range: range)
        default:  // abs, round, floor
            for value in values where value.type != .number && value.type != .dynamic {
                error(.typeMismatch, "expected a number for `\(name)`, found \(value.type)", at: value.range)
                return nil
            }
            let function = MathFunction(rawValue: name) ?? .abs
            return TypedExpr(.math(function, values), type: .number, mayBeMissing: anyMissing, range: range)
        }
    }

    /// A short description of an expression for messages: `a number`, `` `x` ``, `a call to `f``.
    func describe(_ expr: Expr) -> String {
        switch expr.kind {
        case .number(let value): "the number \(value.literalText)"
        case .string(let value): "the string \"\(value)\""
        case .bool: "a bool"
        case .duration: "a duration"
        case .date, .instant: "a date"
        case .now: "`now`"
        case .firstSeen: "`first_seen`"
        case .lastSeen: "`last_seen`"
        case .any: "`any`"
        case .unit(let unit): "`\(unit.rawValue)`"
        case .path(let path): "`\(path)`"
        case .list: "a list"
        case .call(let name, _, _): "a call to `\(name)`"
        case .account: "an `account.` expression"
        case .filtered: "a `where` selector"
        case .unary, .binary, .between, .in, .contains: "an expression"
        }
    }
}
