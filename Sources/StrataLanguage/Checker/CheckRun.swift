import StrataCore

/// The mutable state of checking one expression: diagnostics, references and the walk itself.
struct CheckRun {
    /// Where in the expression the walk is.
    struct Context {
        /// The kind of profile being evaluated.
        var scope: ProfileKind
        /// Whether `next D` windows are allowed (model labels).
        var allowNext: Bool
        /// Inside an event `where`: bare names are event properties.
        var inWhere = false
        /// Inside the COND of `streak` / `count_periods` (the function's name): windows are not allowed.
        var period: String?
        /// Inside `account.EXPR` of a definition of users: names are written after `account.`.
        var inAccount = false
    }

    let symbols: Symbols
    let file: String?
    let role: ExpressionRole
    var diagnostics: [Diagnostic] = []
    var references: [Reference] = []

    init(symbols: Symbols, file: String?, role: ExpressionRole) {
        self.symbols = symbols
        self.file = file
        self.role = role
    }

    mutating func error(_ code: Diagnostic.Code, _ message: String, at range: SourceRange, suggestion: String? = nil) {
        diagnostics.append(Diagnostic(.error, code, message, file: file, at: range, suggestion: suggestion))
    }

    mutating func warning(_ code: Diagnostic.Code, _ message: String, at range: SourceRange, suggestion: String? = nil)
    {
        diagnostics.append(Diagnostic(.warning, code, message, file: file, at: range, suggestion: suggestion))
    }

    mutating func reference(_ target: DefinitionID, at range: SourceRange) {
        references.append(Reference(target: target, file: file, range: range))
    }

    /// `score.x` or `stage.x`: the typed reference when a file `FOLDER/x.yaml` defines it, else an error
    /// with the nearest name.
    mutating func definitionReference(
        _ kind: DefinitionID.Kind, _ name: String, known: Set<String>, code: Diagnostic.Code, noun: String,
        folder: String, range: SourceRange, typed: TypedExpr
    ) -> TypedExpr? {
        guard known.contains(name) else {
            error(
                code, "unknown \(noun) `\(name)`: expected a file \(folder)/\(name).yaml", at: range,
                suggestion: Suggestion.nearest(to: name, in: known).map { "\(kind.rawValue).\($0)" })
            return nil
        }
        reference(DefinitionID(kind, name), at: range)
        return typed
    }

    // MARK: Expressions

    /// Checks an expression; nil after reporting an error.
    mutating func check(_ expr: Expr, _ context: Context) -> TypedExpr? {
        let range = expr.range
        switch expr.kind {
        case .number(let value):
            return TypedExpr(.literal(.number(value)), type: .number, range: range)
        case .string(let value):
            return TypedExpr(.literal(.string(value)), type: .string, range: range)
        case .bool(let value):
            return TypedExpr(.literal(.bool(value)), type: .bool, range: range)
        case .duration(let ms):
            return TypedExpr(.literal(.duration(ms)), type: .duration, range: range)
        case .date(let date):
            return TypedExpr(.literal(.time(.date(date))), type: .timestamp, range: range)
        case .instant(let ms):
            return TypedExpr(.literal(.time(.instant(milliseconds: ms))), type: .timestamp, range: range)
        case .now:
            return TypedExpr(.now, type: .timestamp, range: range)
        case .firstSeen:
            return TypedExpr(.firstSeen, type: .timestamp, mayBeMissing: true, range: range)
        case .lastSeen:
            return TypedExpr(.lastSeen, type: .timestamp, mayBeMissing: true, range: range)
        case .any:
            error(
                .invalidArgument, "`any` selects events: it is only valid as the event selector of an event function",
                at: range)
            return nil
        case .unit(let unit):
            error(
                .invalidArgument,
                "`\(unit.rawValue)` is a calendar unit: it is only valid in a window (`this \(unit.rawValue)`) or as "
                    + "the period of streak / count_periods", at: range)
            return nil
        case .list:
            error(.invalidArgument, "a list is only valid after `in`, e.g. x in [\"a\", \"b\"]", at: range)
            return nil
        case .filtered:
            error(
                .invalidArgument,
                "`where` filters the events of an event function, e.g. count(\"A\" where x = 1); it cannot stand alone",
                at: range)
            return nil
        case .path(let path):
            return resolvePath(path, range, context)
        case .unary(.negate, let operand):
            guard let value = check(operand, context) else { return nil }
            guard [.number, .duration, .dynamic].contains(value.type) else {
                error(.typeMismatch, "expected a number or a duration after `-`, found \(value.type)", at: value.range)
                return nil
            }
            return TypedExpr(
                .negate(value), type: value.type == .dynamic ? .number : value.type, mayBeMissing: value.mayBeMissing,
                range: range)
        case .unary(.not, let operand):
            guard let value = check(operand, context) else { return nil }
            guard expectCondition(value, "`not`") else { return nil }
            return TypedExpr(.not(value), type: .bool, range: range)
        case .binary(let op, let left, let right):
            let l = check(left, context)
            let r = check(right, context)
            guard let l, let r else { return nil }
            return checkBinary(op, l, r, range)
        case .between(let value, let low, let high):
            let x = check(value, context)
            let lo = check(low, context)
            let hi = check(high, context)
            guard let x, let lo, let hi else { return nil }
            let okLow = expectComparable(x, lo, "`between`", ordering: true)
            let okHigh = expectComparable(x, hi, "`between`", ordering: true)
            guard okLow, okHigh else { return nil }
            return TypedExpr(.between(x, low: lo, high: hi), type: .bool, range: range)
        case .in(let value, let list):
            let x = check(value, context)
            guard case .list(let items) = list.kind else {
                error(.syntax, "expected a list after `in`", at: list.range)
                return nil
            }
            var typedItems: [TypedExpr] = []
            var ok = true
            for item in items {
                if let typed = check(item, context) {
                    typedItems.append(typed)
                } else {
                    ok = false
                }
            }
            guard let x, ok else { return nil }
            for item in typedItems where !expectComparable(x, item, "`in`", ordering: false) {
                ok = false
            }
            guard ok else { return nil }
            return TypedExpr(.inList(x, typedItems), type: .bool, range: range)
        case .contains(let left, let right):
            let l = check(left, context)
            let r = check(right, context)
            guard let l, let r else { return nil }
            guard l.type == .string || l.type == .dynamic else {
                error(
                    .typeMismatch,
                    "expected a string or an array (a property or trait) on the left of `contains`, found \(l.type)",
                    at: l.range)
                return nil
            }
            if l.type == .string, r.type != .string, r.type != .dynamic {
                error(.typeMismatch, "expected a string on the right of `contains`, found \(r.type)", at: r.range)
                return nil
            }
            return TypedExpr(.contains(l, r), type: .bool, range: range)
        case .call(let name, let nameRange, let arguments):
            return checkCall(name, nameRange, arguments, range, context)
        case .account(let inner):
            guard !context.inWhere else {
                refuseInWhere("`account.`", at: range)
                return nil
            }
            guard context.scope == .users else {
                error(
                    .wrongScope, "`account.` is only valid in a definition of users; this one is of accounts",
                    at: range)
                return nil
            }
            var inner_context = context
            inner_context.scope = .accounts
            inner_context.inWhere = false
            inner_context.inAccount = true
            guard let value = check(inner, inner_context) else { return nil }
            return TypedExpr(.account(value), type: value.type, mayBeMissing: value.type != .bool, range: range)
        }
    }

    /// Reports a value of the profile (a score, a stage, RFM, a computed trait, its account) read inside
    /// `where`, which sees one event at a time: only the event's properties and fields and the profile's
    /// traits are there.
    mutating func refuseInWhere(_ what: String, at range: SourceRange) {
        error(
            .invalidArgument,
            "\(what) cannot be read inside `where`: a `where` condition tests one event at a time, with its "
                + "properties and the profile's traits; compare it outside the selector", at: range)
    }

    /// Reports unless the value is a condition (bool or dynamic).
    mutating func expectCondition(_ value: TypedExpr, _ what: String) -> Bool {
        guard value.type == .bool || value.type == .dynamic else {
            error(.typeMismatch, "expected a condition (bool) for \(what), found \(value.type)", at: value.range)
            return false
        }
        return true
    }

    /// Reports unless two values can be compared (equal static types, or one is dynamic).
    mutating func expectComparable(_ left: TypedExpr, _ right: TypedExpr, _ what: String, ordering: Bool) -> Bool {
        if left.type != .dynamic, right.type != .dynamic, left.type != right.type {
            error(
                .typeMismatch,
                "expected \(left.type) to compare with the left side of \(what), found \(right.type)",
                at: right.range)
            return false
        }
        if ordering, left.type == .bool || right.type == .bool {
            let culprit = left.type == .bool ? left : right
            error(
                .typeMismatch, "\(what) cannot order conditions: bools only compare with = or !=", at: culprit.range)
            return false
        }
        return true
    }

    mutating func checkBinary(
        _ op: Expr.BinaryOperator, _ l: TypedExpr, _ r: TypedExpr, _ range: SourceRange
    )
        -> TypedExpr?
    {
        switch op {
        case .and, .or:
            let okLeft = expectCondition(l, "`\(op.rawValue)`")
            let okRight = expectCondition(r, "`\(op.rawValue)`")
            guard okLeft, okRight else { return nil }
            return TypedExpr(op == .and ? .and(l, r) : .or(l, r), type: .bool, range: range)
        case .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual:
            let ordering = op != .equal && op != .notEqual
            guard expectComparable(l, r, "`\(op.rawValue)`", ordering: ordering) else { return nil }
            let comparison = ComparisonOperator(rawValue: op.rawValue) ?? .equal
            return TypedExpr(.comparison(comparison, l, r), type: .bool, range: range)
        case .add, .subtract, .multiply, .divide:
            let arithmetic = ArithmeticOperator(rawValue: op.rawValue) ?? .add
            for operand in [l, r] where operand.type == .bool || operand.type == .string {
                error(.typeMismatch, "expected a number for `\(op.rawValue)`, found \(operand.type)", at: operand.range)
                return nil
            }
            guard let type = CheckRun.arithmeticType(arithmetic, l.type, r.type) else {
                error(
                    .typeMismatch,
                    "`\(op.rawValue)` cannot combine \(l.type) with \(r.type) (a timestamp takes a duration, "
                        + "e.g. `now - 30d`)", at: range)
                return nil
            }
            return TypedExpr(
                .arithmetic(arithmetic, l, r), type: type,
                mayBeMissing: l.mayBeMissing || r.mayBeMissing || arithmetic == .divide || type == .dynamic,
                range: range)
        }
    }

    /// The result type of arithmetic, or nil when the operands do not combine.
    static func arithmeticType(_ op: ArithmeticOperator, _ l: ValueType, _ r: ValueType) -> ValueType? {
        switch (l, r) {
        case (.number, .number), (.dynamic, .dynamic), (.dynamic, .number), (.number, .dynamic):
            return .number
        case (.dynamic, .timestamp), (.timestamp, .dynamic), (.dynamic, .duration), (.duration, .dynamic):
            return .dynamic
        default:
            break
        }
        switch op {
        case .add:
            switch (l, r) {
            case (.timestamp, .duration), (.duration, .timestamp): return .timestamp
            case (.duration, .duration): return .duration
            default: return nil
            }
        case .subtract:
            switch (l, r) {
            case (.timestamp, .duration): return .timestamp
            case (.timestamp, .timestamp), (.duration, .duration): return .duration
            default: return nil
            }
        case .multiply:
            switch (l, r) {
            case (.duration, .number), (.number, .duration): return .duration
            default: return nil
            }
        case .divide:
            switch (l, r) {
            case (.duration, .number): return .duration
            case (.duration, .duration): return .number
            default: return nil
            }
        }
    }

    // MARK: Names

    static let referencePrefixes = ["trait", "account", "computed", "score", "stage", "rfm"]

    /// Resolves a name: a reference (`trait.x`, `score.x`...), an event field or, inside `where`, a property.
    mutating func resolvePath(_ path: Path, _ range: SourceRange, _ context: Context) -> TypedExpr? {
        let segments = path.segments
        let head = segments[0]
        if !path.quotedFirst, segments.count == 2, context.inWhere,
            ["computed", "score", "stage", "rfm"].contains(head)
        {
            refuseInWhere("`\(path)`", at: range)
            return nil
        }
        if !path.quotedFirst, segments.count >= 2 {
            let name = segments[1]
            switch head {
            case "trait":
                checkTrait(name, range, context)
                return TypedExpr(.trait(Array(segments.dropFirst())), type: .dynamic, mayBeMissing: true, range: range)
            case "computed" where segments.count == 2:
                guard let type = symbols.computed[name] else {
                    error(
                        .unknownComputed, "unknown computed trait `\(name)`: expected a name from traits.yaml",
                        at: range,
                        suggestion: Suggestion.nearest(to: name, in: symbols.computed.keys).map {
                            "computed.\($0)"
                        })
                    return nil
                }
                reference(DefinitionID(.computed, name), at: range)
                return TypedExpr(.computed(name), type: type, mayBeMissing: true, range: range)
            case "score" where segments.count == 2:
                return definitionReference(
                    .score, name, known: symbols.scores, code: .unknownScore, noun: "score", folder: "scores",
                    range: range, typed: TypedExpr(.score(name), type: .number, mayBeMissing: true, range: range))
            case "stage" where segments.count == 2:
                return definitionReference(
                    .stage, name, known: symbols.stages, code: .unknownStage, noun: "stage model", folder: "stages",
                    range: range, typed: TypedExpr(.stage(name), type: .string, mayBeMissing: true, range: range))
            case "rfm" where segments.count == 2:
                guard let field = RFMField(rawValue: name) else {
                    error(
                        .unknownRFMField,
                        "unknown RFM value `rfm.\(name)`: expected rfm.r, rfm.f, rfm.m, rfm.score "
                            + "or rfm.segment", at: range,
                        suggestion: Suggestion.nearest(to: name, in: RFMField.allCases.map(\.rawValue)).map {
                            "rfm.\($0)"
                        })
                    return nil
                }
                reference(.rfm, at: range)
                return TypedExpr(.rfm(field), type: field.type, mayBeMissing: true, range: range)
            default:
                break
            }
        }
        if !path.quotedFirst, head.hasPrefix("$") {
            guard segments.count == 1, let field = EventField(rawValue: head) else {
                error(
                    .unknownName, "unknown event field `\(path)`: expected $weekday, $hour, $user or $name", at: range,
                    suggestion: Suggestion.nearest(to: head, in: EventField.allCases.map(\.rawValue)))
                return nil
            }
            guard context.inWhere else {
                error(
                    .unknownName,
                    "`\(head)` is a field of an event: it is only available inside `where` or as a property argument",
                    at: range)
                return nil
            }
            return TypedExpr(.eventField(field), type: field.type, range: range)
        }
        if context.inWhere {
            return TypedExpr(.property(segments), type: .dynamic, mayBeMissing: true, range: range)
        }
        reportUnknownName(path, range)
        return nil
    }

    mutating func checkTrait(_ name: String, _ range: SourceRange, _ context: Context) {
        let known = context.scope == .users ? symbols.traits : symbols.accountTraits
        guard let known, !known.contains(name) else { return }
        let kind = context.scope == .users ? "trait" : "account trait"
        warning(
            .unknownTrait, "unknown \(kind) `\(name)`: no profile has it in the store", at: range,
            suggestion: Suggestion.nearest(to: name, in: known).map {
                (context.inAccount ? "account.trait." : "trait.") + $0
            })
    }

    mutating func reportUnknownName(_ path: Path, _ range: SourceRange) {
        let text = path.description
        if !path.quotedFirst, path.segments.count >= 2 {
            let head = path.segments[0]
            if CheckRun.referencePrefixes.contains(head) {
                error(.unknownName, "`\(text)` is not a valid reference: expected \(head).NAME", at: range)
                return
            }
            if let prefix = Suggestion.nearest(to: head, in: CheckRun.referencePrefixes) {
                error(
                    .unknownName, "unknown name `\(text)`", at: range,
                    suggestion: ([prefix] + path.segments.dropFirst()).joined(separator: "."))
                return
            }
        }
        if !path.quotedFirst, path.segments.count == 1 {
            let word = path.segments[0]
            if CheckRun.referencePrefixes.contains(word) {
                error(.unknownName, "`\(word)` needs a name: expected \(word).NAME", at: range)
                return
            }
            let candidates = ["now", "first_seen", "last_seen", "any", "true", "false"]
            if let suggestion = Suggestion.nearest(to: word, in: candidates) {
                error(.unknownName, "unknown name `\(word)`", at: range, suggestion: suggestion)
                return
            }
            if let traits = symbols.traits, traits.contains(word) {
                error(
                    .unknownName, "unknown name `\(word)`: event properties are only available inside `where`",
                    at: range, suggestion: "trait.\(word)")
                return
            }
        }
        error(
            .unknownName,
            "unknown name `\(text)`: event properties are only available inside `where`; a trait is `trait.\(text)`",
            at: range)
    }
}
