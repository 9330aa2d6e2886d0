import Foundation
import StrataLanguage
import Testing

@Suite("Examples workspace")
struct ExamplesTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("examples")

    static let definitions = Definitions.load(from: root)

    @Test func examplesCheckWithoutProblems() {
        let definitions = ExamplesTests.definitions
        #expect(definitions.diagnostics.map(\.description) == [])
        #expect(definitions.segments.count == 44)
        #expect(
            definitions.scores.map(\.name).sorted() == ["churn-risk", "conversion", "expansion", "upgrade-propensity"])
        #expect(definitions.stageModels.map(\.name).sorted() == ["lifecycle", "loyalty", "saas-adoption"])
        #expect(
            definitions.computedTraits.map(\.name) == [
                "logins_30d", "login_change_30d", "days_since_login", "features_used_30d", "top_feature_90d",
                "weekly_active_streak", "activity_percentile",
            ])
        #expect(definitions.rfm.map == .standard)
        #expect(definitions.rfm.monetary.node == .trait(["mrr"]))
    }

    @Test("every catalog definition ships in examples with the catalog's condition", arguments: catalog.map(\.name))
    func catalogDefinitionShips(name: String) throws {
        let entry = try #require(catalog.first { $0.name == name })
        let text = try String(
            contentsOf: ExamplesTests.root.appendingPathComponent("segments/\(name).yaml"), encoding: .utf8)
        let segment = try #require(ExamplesTests.definitions.segment(named: name))
        let expected = try #require(Checker(symbols: catalogSymbols).check(entry.where, scope: entry.of).expression)
        #expect(segment.of == entry.of)
        #expect(segment.title != nil)
        #expect(segment.description != nil)
        #expect(segment.owner != nil)
        #expect(text.contains("refresh: "))
        #expect(stripRanges(segment.condition) == stripRanges(expected))
    }

    @Test func readingAFolderWarnsAboutStrayFiles() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("strata-lang-\(UUID().uuidString)")
        let segments = folder.appendingPathComponent("segments")
        try FileManager.default.createDirectory(at: segments, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "where: did(any)\n".write(to: segments.appendingPathComponent("a.yaml"), atomically: true, encoding: .utf8)
        try "notes".write(to: segments.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        try "x: count(any)\n".write(to: folder.appendingPathComponent("traits.yaml"), atomically: true, encoding: .utf8)
        let files = DefinitionFiles.read(from: folder)
        #expect(files.files.keys.sorted() == ["segments/a.yaml", "traits.yaml"])
        #expect(
            files.diagnostics.map(\.description) == [
                "segments/notes.txt:1:1: warning: ignored: definitions in segments/ are NAME.yaml files"
            ])
    }
}

/// A plan with every source range zeroed, to compare plans written in different places.
func stripRanges(_ expr: TypedExpr) -> TypedExpr {
    let zero = SourceRange(at: .start)
    func selector(_ s: EventSelector) -> EventSelector {
        EventSelector(names: s.names, condition: s.condition.map(stripRanges))
    }
    func window(_ w: Window) -> Window {
        switch w {
        case .first(let ms, .firstEvent(let s)): return .first(ms, anchor: .firstEvent(selector(s)))
        case .relative(let a, let b, .firstEvent(let s)):
            return .relative(from: a, to: b, anchor: .firstEvent(selector(s)))
        default: return w
        }
    }
    let node: PlanNode
    switch expr.node {
    case .account(let e): node = .account(stripRanges(e))
    case .negate(let e): node = .negate(stripRanges(e))
    case .not(let e): node = .not(stripRanges(e))
    case .and(let a, let b): node = .and(stripRanges(a), stripRanges(b))
    case .or(let a, let b): node = .or(stripRanges(a), stripRanges(b))
    case .arithmetic(let op, let a, let b): node = .arithmetic(op, stripRanges(a), stripRanges(b))
    case .comparison(let op, let a, let b): node = .comparison(op, stripRanges(a), stripRanges(b))
    case .between(let x, let low, let high):
        node = .between(stripRanges(x), low: stripRanges(low), high: stripRanges(high))
    case .inList(let x, let items): node = .inList(stripRanges(x), items.map(stripRanges))
    case .contains(let a, let b): node = .contains(stripRanges(a), stripRanges(b))
    case .aggregate(let a):
        node = .aggregate(
            EventAggregate(function: a.function, selector: selector(a.selector), window: window(a.window)))
    case .share(let s, let of, let w): node = .share(selector(s), of: selector(of), window: window(w))
    case .sequence(let s):
        node = .sequence(
            EventSequence(kind: s.kind, steps: s.steps.map(selector), within: s.within, window: window(s.window)))
    case .streak(let unit, let e): node = .streak(unit, stripRanges(e))
    case .countPeriods(let unit, let e, let n): node = .countPeriods(unit, stripRanges(e), periods: n)
    case .percentile(let e, let among): node = .percentile(stripRanges(e), among: among)
    case .countUsers(let e): node = .countUsers(stripRanges(e))
    case .daysBetween(let a, let b): node = .daysBetween(stripRanges(a), stripRanges(b))
    case .math(let f, let args): node = .math(f, args.map(stripRanges))
    case .coalesce(let args): node = .coalesce(args.map(stripRanges))
    case .exists(let e): node = .exists(stripRanges(e))
    default: node = expr.node
    }
    return TypedExpr(node, type: expr.type, mayBeMissing: expr.mayBeMissing, range: zero)
}
