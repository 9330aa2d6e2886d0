import Foundation
import StrataCore
import Testing

@testable import StrataDashboard

@Suite("Dashboard pages")
struct PageTests {
    static func segment(
        _ name: String, size: Int?, population: Int?, entered: Int = 0, flags: Int = 0
    )
        -> Overview.Segment
    {
        Overview.Segment(
            name: name, title: "Title of \(name)", owner: nil, refresh: "realtime", size: size, population: population,
            series: [1, 2], entered: entered, exited: 0,
            flags: (0..<flags).map { Overview.Flag(code: "small", message: "fewer than \($0)") }, error: nil)
    }

    static let segments = [
        segment("buyers", size: 30, population: 120, entered: 4),
        segment("at-risk", size: 1_234_567, population: 2_000_000, flags: 2),
        segment("new", size: 30, population: 40, entered: 1),
    ]

    @Test(
        "the overview sorts by a column in either direction, ties in name order",
        arguments: [
            (nil, nil, ["at-risk", "buyers", "new"]), ("size", "desc", ["at-risk", "buyers", "new"]),
            ("size", "asc", ["buyers", "new", "at-risk"]), ("share", "desc", ["new", "at-risk", "buyers"]),
            ("entered", "desc", ["buyers", "new", "at-risk"]), ("health", "desc", ["at-risk", "buyers", "new"]),
        ] as [(String?, String?, [String])])
    func sorting(sort: String?, order: String?, expected: [String]) throws {
        let page = try Overview(
            segments: Self.segments, sort: sort, order: order, currentTo: "", trends: .asOf("", todayStart: ""))
        #expect(page.rows.map(\.name) == expected)
    }

    @Test("the overview's rows show grouped sizes and shares; its headings say how the table is sorted")
    func overviewFigures() throws {
        let page = try Overview(
            segments: Self.segments, sort: "size", order: "desc", currentTo: "", trends: .asOf("", todayStart: ""))
        #expect(page.rows.map(\.size) == ["1,234,567", "30", "30"])
        #expect(page.rows.map(\.share) == ["61.7%", "25.0%", "75.0%"])
        let size = try #require(page.headers.first { $0.label == "Size" })
        #expect(size.ariaSort == "descending")
        #expect(size.href == "/?sort=size&order=asc")
        let name = try #require(page.headers.first { $0.label == "Segment" })
        #expect(name.ariaSort == nil)
        #expect(name.href == "/?sort=name&order=asc")
        #expect(page.headers.map(\.label)[6] == "Last 30 days")
    }

    @Test("an unknown sort column or order is refused, naming the parameter")
    func badParameters() {
        #expect(throws: Overview.BadParameter.self) {
            try Overview(segments: [], sort: "colour", order: nil, currentTo: "", trends: .asOf("", todayStart: ""))
        }
        do {
            _ = try Overview(segments: [], sort: nil, order: "up", currentTo: "", trends: .asOf("", todayStart: ""))
            Issue.record("expected a refusal")
        } catch {
            #expect(error.message == "order: expected asc or desc, found \"up\"")
        }
    }

    @Test("members come 60 to a page, filtered by a part of their id, with links to the pages around")
    func memberPages() throws {
        let all = (1...130).map { "user-\($0)" }
        let third = try MemberList(all, segment: "buyers", query: nil, page: "3")
        #expect(third.ids.map(\.id) == (121...130).map { "user-\($0)" })
        #expect(third.pages == 3)
        #expect(third.previous == "/segments/buyers?page=2")
        #expect(third.next == nil)
        let found = try MemberList(all, segment: "buyers", query: "USER-1 ", page: nil)
        #expect(found.matching == "0")
        let tens = try MemberList(all, segment: "buyers", query: "er-12", page: nil)
        #expect(tens.ids.map(\.id) == ["user-12"] + (120...129).map { "user-\($0)" })
        let odd = try MemberList(["a b/c"], segment: "s", query: "b/", page: "1")
        #expect(odd.ids.map(\.href) == ["/profiles/a%20b%2Fc"])
        for page in ["0", "4", "x", "-1"] {
            #expect(throws: Overview.BadParameter.self) { try MemberList(all, segment: "s", query: nil, page: page) }
        }
        #expect(try MemberList([], segment: "s", query: nil, page: "1").pages == 1)
    }

    @Test("the pages escape what they show and carry the sign-out form's CSRF token")
    func rendering() throws {
        var hostile = Self.segment("buyers", size: 1, population: 2)
        hostile.title = "<script>alert(1)</script>"
        let renderer = try Renderer()
        let html = renderer.overview(
            try Overview(
                segments: [hostile], sort: nil, order: nil, currentTo: "2026-07-01T00:00:00Z",
                trends: .asOf("", todayStart: "")),
            visitor: Renderer.Visitor(kind: "viewer", prefix: "strata_viewer_ab12", csrf: "t0k3n"))
        #expect(html.contains("<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>"))
        #expect(!html.contains("<script>alert"))
        #expect(html.contains("<input type=\"hidden\" name=\"csrf\" value=\"t0k3n\">"))
        #expect(html.contains("Signed in with the viewer key strata_viewer_ab12…"))
        #expect(html.contains("<td class=\"number\" data-field=\"share\">50.0%</td>"))
        let signIn = renderer.signIn(message: "That is not an active admin or viewer key.", csrf: "n0nce")
        #expect(signIn.contains("<input id=\"key\" name=\"key\" type=\"password\""))
        #expect(signIn.contains("<p class=\"error\" role=\"alert\">That is not an active admin or viewer key.</p>"))
        #expect(!signIn.contains("Sign out"))
    }

    @Test("before its trends are made the overview shows the sizes, says so, and shows no trend")
    func overviewWhileTrendsAreMade() throws {
        let renderer = try Renderer()
        let visitor = Renderer.Visitor(kind: "admin", prefix: "strata_admin_ab12", csrf: "t0k3n")
        let making = renderer.overview(
            try Overview(
                segments: Self.segments, sort: nil, order: nil, currentTo: "2026-07-01T00:00:00Z", trends: .making),
            visitor: visitor)
        #expect(making.contains("<p class=\"meta\" data-trends=\"making\">3 segments"))
        #expect(making.contains("the health flags are being computed: reload in a moment</p>"))
        #expect(making.contains("<td class=\"number\" data-field=\"size\">1,234,567</td>"))
        #expect(making.components(separatedBy: "<td class=\"number\" data-field=\"entered\">–</td>").count == 4)
        #expect(!making.contains("<svg") && !making.contains("⚠ small") && !making.contains("class=\"ok\""))
        let failed = renderer.overview(
            try Overview(segments: Self.segments, sort: nil, order: nil, currentTo: "", trends: .failed("disk full")),
            visitor: visitor)
        #expect(failed.contains("data-trends=\"failed\""))
        #expect(failed.contains("the health flags could not be computed: disk full</p>"))
        let made = renderer.overview(
            try Overview(
                segments: Self.segments, sort: nil, order: nil, currentTo: "",
                trends: .asOf("2026-07-01T00:00:00Z", todayStart: "2026-06-30T22:00:00Z")),
            visitor: visitor)
        #expect(made.contains("entries and exits since <time>2026-06-30T22:00:00Z</time>"))
        #expect(made.contains("<td class=\"number\" data-field=\"entered\">4</td>"))
        #expect(made.components(separatedBy: "⚠ small").count == 3)
    }

    @Test("a profile's page lists the API's object: ids, refused links, values as text, empty groups as none")
    func profilePage() throws {
        let profile: [String: JSONValue] = [
            "id": .string("u1"),
            "ids": .array([
                .object(["id": .string("u1"), "type": .string("userId")]),
                .object(["id": .string("a1"), "type": .string("anonymousId")]),
            ]),
            "conflicts": .array([
                .object([
                    "id": .string("a2"), "keptUser": .string("u1"), "refusedUser": .string("u9"),
                    "time": .string("2026-06-01T00:00:00.000Z"),
                ])
            ]),
            "traits": .object(["plan": .string("pro"), "seats": .number(3), "tags": .array([.string("a")])]),
            "scores": .object([:]), "firstSeen": .null,
            "recentEvents": .array([
                .object([
                    "event": .string("Order Completed"), "timestamp": .string("2026-06-03T00:00:00.000Z"),
                    "properties": .object(["total": .number(12.5)]),
                ])
            ]),
        ]
        let page = ProfilePage(
            profile: profile, explained: [.init(segment: "buyers", explanation: "count(...) >= 1: true")],
            deliveries: [])
        #expect(
            page.facts.map(\.value)[0...2] == [
                "userId u1, anonymousId a1", "a2 stays with u1, not u9 (2026-06-01T00:00:00.000Z)", "–",
            ])
        let traits = try #require(page.groups.first { $0.title == "Traits" })
        #expect(traits.entries.map(\.value) == ["pro", "3", "[\"a\"]"])
        #expect(page.groups.first { $0.title == "Scores" }?.listed == false)
        #expect(page.events.map(\.properties) == ["{\"total\":12.5}"])
        let html = try Renderer().profile(page, visitor: Renderer.Visitor(kind: "admin", prefix: "p", csrf: "c"))
        #expect(html.contains("<h2>Scores</h2>\n\n<p>None.</p>"))
        #expect(html.contains("<summary><a href=\"/segments/buyers\">buyers</a>: why</summary>"))
        let deliveries = try #require(html.range(of: "<h2 id=\"deliveries-heading\">Deliveries</h2>"))
        #expect(html[deliveries.upperBound...].hasPrefix("\n<p>None.</p>\n</section>"))
    }

    @Test("an activation's row reads the activations API's summary: steps with their delays, deliveries by status")
    func activationRows() throws {
        let summary: JSONValue = .object([
            "name": .string("win-back"), "title": .string("Win back"), "segment": .string("lapsed-90d"),
            "on": .string("enter"), "category": .string("marketing"), "priority": .number(5),
            "holdout": .string("10%"), "rollout": .string("100%"),
            "steps": .array([
                .object(["destination": .string("outbox"), "after_ms": .number(0), "template": .null]),
                .object([
                    "destination": .string("email"), "after_ms": .number(172_800_000), "template": .string("come-back"),
                ]),
            ]),
            "deliveries": .object(["sent": .number(3), "failed": .number(1)]),
        ])
        let page = ActivationsPage(summaries: [summary, .string("not an object")], since: "2026-07-01")
        let row = try #require(page.rows.first)
        #expect(page.rows.count == 1)
        #expect(row.steps == "outbox; after 2d: email (template come-back)")
        #expect(row.deliveries == "1 failed, 3 sent")
        #expect(row.segmentHref == "/segments/lapsed-90d")
        #expect(row.priority == "5")
        #expect(row.href == "/activations/win-back")
        #expect([90_000, 900_000, 250, 7_200_000].map(Format.duration) == ["90s", "15m", "250ms", "2h"])
        let html = try Renderer().activations(page, visitor: Renderer.Visitor(kind: "admin", prefix: "p", csrf: "c"))
        #expect(html.contains("<td data-field=\"deliveries\">1 failed, 3 sent</td>"))
        #expect(html.contains("<th scope=\"row\"><a href=\"/activations/win-back\">win-back</a><br>"))
        let none = try Renderer().activations(
            ActivationsPage(summaries: [], since: ""), visitor: Renderer.Visitor(kind: "admin", prefix: "p", csrf: "c"))
        #expect(none.contains("<p>No activations: a file in <code>activations/</code>"))
    }

    @Test("a report's page fills its form from the URL, writes proportions out and shades them in ten steps")
    func reportPage() throws {
        let page = ReportPage(
            kind: .retention, parameters: ["segments": ["buyers"], "days": ["7"]],
            columns: ["cohort", "day", "size", "rate", "partial"],
            rows: [
                [.string("buyers"), .number(7), .number(120), .number(0.456), .bool(false)],
                [.string("baseline"), .number(7), .number(80), .number(1), .null],
            ],
            ran: true)
        #expect(page.fields.map(\.value) == ["buyers", "7", ""])
        #expect(page.table.rows[0].cells.map(\.text) == ["buyers", "7", "120", "45.6%", "false"])
        #expect(page.table.rows[0].cells.map(\.heat) == [nil, nil, nil, "heat-4", nil])
        #expect(page.table.rows[1].cells[3].heat == "heat-9")
        #expect(page.table.rows[1].cells[4].text == "–")
        #expect(page.href == "/reports/retention?days=7&segments=buyers")
        // One curve per cohort over the days: buyers at 45.6% and the baseline at 100%.
        #expect(page.charts.count == 1)
        #expect(page.charts[0].svg.contains("<title>buyers, day 7: 45.6%</title>"))
        #expect(page.charts[0].svg.contains("<title>baseline, day 7: 100.0%</title>"))
        let funnel = ReportPage(kind: .funnel, parameters: ["steps": ["A", "B"]], columns: [], rows: [], ran: false)
        #expect(funnel.fields.map(\.value) == ["A", "B", "", "", ""])
        #expect(ReportPage.Kind.funnel.isReady(["steps": ["A", "B"]]))
        #expect(!ReportPage.Kind.funnel.isReady(["steps": ["A"]]))
        #expect(!ReportPage.Kind.overlap.isReady(["segments": ["a"]]))
        #expect(ReportPage.Kind.overlap.isReady(["segments": ["a,b"]]))
        let html = try Renderer().report(page, visitor: Renderer.Visitor(kind: "viewer", prefix: "p", csrf: "c"))
        #expect(html.contains("<td class=\"number heat-4\">45.6%</td>"))
        #expect(
            html.contains("<input id=\"field-0\" name=\"segments\" value=\"buyers\" aria-describedby=\"field-0-hint\">")
        )
    }

    @Test("a funnel's page draws a bar per step for everyone and for each segment, with counts and conversion")
    func funnelCharts() throws {
        let columns = ["segment", "step", "reached", "rate_from_previous", "rate_from_first", "low", "high"]
        let rows: [[JSONValue]] = [
            [.string(""), .number(1), .number(10), .number(1), .number(1), .number(0.7), .number(1)],
            [.string(""), .number(2), .number(4), .number(0.4), .number(0.4), .number(0.1), .number(0.7)],
            [.string("paying"), .number(1), .number(2), .number(1), .number(1), .number(0.3), .number(1)],
            [.string("paying"), .number(2), .number(1), .number(0.5), .number(0.5), .number(0.1), .number(0.9)],
        ]
        let page = ReportPage(
            kind: .funnel, parameters: ["steps": ["A", "B"]], columns: columns, rows: rows, ran: true)
        #expect(page.charts.count == 2)
        #expect(page.charts[0].svg.contains("aria-label=\"Funnel of everyone: profiles reaching each step\""))
        #expect(page.charts[0].svg.contains(">4 (40.0% of step 1, 40.0% of the step before)</text>"))
        #expect(page.charts[1].svg.contains("aria-label=\"Funnel of members of paying: profiles reaching each step\""))
        #expect(page.charts[1].svg.contains(">1 (50.0% of step 1, 50.0% of the step before)</text>"))
        let overlap = ReportPage(
            kind: .overlap, parameters: [:], columns: ["a", "b", "count"],
            rows: [[.string("a"), .string("b"), .number(1)]], ran: true)
        #expect(overlap.charts.isEmpty)
        let html = try Renderer().report(page, visitor: Renderer.Visitor(kind: "viewer", prefix: "p", csrf: "c"))
        #expect(html.contains("<figure class=\"chart\"><svg class=\"chart bars\""))
    }

    @Test("an activation's page counts deliveries by day and status, caps hit, and writes the simulation's figures")
    func activationPage() throws {
        let row = ActivationsPage.Row(summary: [
            "name": .string("thanks"), "segment": .string("buyers"), "on": .string("enter"),
            "steps": .array([]), "deliveries": .object(["held_out": .number(1)]),
        ])
        let page = ActivationPage(
            row: row, facts: [.init(name: "Reentry", value: "always")],
            days: [
                .init(label: "2026-06-30", counts: ["sent": 2, "capped": 3]),
                .init(label: "2026-07-01", counts: ["capped": 1, "held_out": 1]),
            ],
            lift: nil, liftMessage: "activation `thanks` has no `goal:`", from: "2026-06-01", to: "2026-06-30",
            simulated: .init(
                changes: 3, triggers: 2, statuses: ["sent", "held_out"],
                total: .init(label: "deliveries", counts: ["sent": 1, "held_out": 1]),
                days: [.init(label: "2026-06-01", counts: ["sent": 1])], variants: []))
        #expect(page.capped == "4")
        #expect(page.cappedToday == "1")
        #expect(page.days.statuses == ["capped", "held_out", "sent"])
        #expect(page.days.rows.map(\.cells) == [["3", "0", "2"], ["1", "1", "0"]])
        #expect(page.simulation.summary == "3 enters and exits of buyers, 2 triggers, 2 deliveries")
        #expect(page.simulation.byDay?.rows.map(\.cells) == [["1", "0"]])
        #expect(page.simulation.byVariant == nil)
        let html = try Renderer().activation(page, visitor: Renderer.Visitor(kind: "viewer", prefix: "p", csrf: "c"))
        #expect(html.contains("<h1>thanks</h1>"))
        #expect(html.contains("<dt>Segment</dt><dd><a href=\"/segments/buyers\">buyers</a></dd>"))
        #expect(html.contains("<p>No lift: activation `thanks` has no `goal:`</p>"))
        #expect(html.contains("<input id=\"from\" name=\"from\" value=\"2026-06-01\""))
        #expect(
            html.contains(
                "<tr><th scope=\"row\">2026-07-01</th><td class=\"number\">1</td><td class=\"number\">1</td><td class=\"number\">0</td></tr>"
            ))
        #expect(html.contains("aria-label=\"thanks: deliveries by status, by the day they were due\""))
        // No delivery on these days and none simulated: words instead of an empty chart and empty tables.
        let quiet = ActivationPage(
            row: row, facts: [], days: [.init(label: "2026-07-01", counts: [:])], lift: nil, liftMessage: nil,
            from: "2026-06-01", to: "2026-06-30",
            simulated: .init(
                changes: 0, triggers: 0, statuses: [], total: .init(label: "deliveries", counts: [:]), days: [],
                variants: []))
        #expect(quiet.chart == nil)
        #expect(quiet.simulation.byStatus == nil && quiet.simulation.byDay == nil)
        let quietHTML = try Renderer().activation(
            quiet, visitor: Renderer.Visitor(kind: "viewer", prefix: "p", csrf: "c"))
        #expect(quietHTML.contains("<p>No delivery was due on these days.</p>"))
        #expect(!quietHTML.contains("<svg"))
    }

    @Test("numbers are grouped by thousands and shares have one decimal")
    func formats() {
        #expect(Format.grouped(1_234_567) == "1,234,567")
        #expect(Format.grouped(999) == "999")
        #expect(Format.grouped(-1234) == "-1,234")
        #expect(Format.percent(1, of: 8) == "12.5%")
        #expect(Format.percent(2, of: 3) == "66.7%")
        #expect(Format.percent(3, of: 0) == "–")
    }

    @Test("form fields are decoded: + as a space, percent escapes, the last of a repeated field")
    func formFields() {
        let fields = Form.fields(Array("key=strata_admin_ab%2Bc&csrf=x+y&csrf=z&bad=%ZZ&empty=&flag".utf8))
        #expect(fields == ["key": "strata_admin_ab+c", "csrf": "z", "bad": "%ZZ", "empty": "", "flag": ""])
        #expect(Form.fields(Array("k=%FF".utf8)) == [:])
        // A form sent with GET: every value of a repeated field, in order.
        #expect(
            Form.values(Array("steps=%22Signed+Up%22&steps=&within=7d&steps=a%2Bb".utf8)) == [
                "steps": ["\"Signed Up\"", "", "a+b"], "within": ["7d"],
            ])
    }
}
