import Foundation
import Hummingbird
import HummingbirdTesting
import StrataCore
import StrataServer
import StrataStore
import Testing

@Suite("Dashboard")
struct DashboardTests {
    /// The sign-in form's CSRF token and the cookie its nonce is in.
    struct SignInForm {
        var token: String
        var cookie: String
    }

    static func form(_ client: any TestClientProtocol) async throws -> SignInForm {
        try await client.execute(uri: "/login", method: .get) { response in
            #expect(response.status == .ok)
            let token = try #require(Self.value(after: "name=\"csrf\" value=\"", in: response.text))
            let cookie = try #require(Self.setCookies(response).first { $0.hasPrefix("strata_sign_in=") })
            return SignInForm(token: token, cookie: String(cookie.prefix { $0 != ";" }))
        }
    }

    /// Signs in with a key through the form; the session cookie as a `Cookie` header sends it.
    static func signIn(_ client: any TestClientProtocol, key: String) async throws -> String {
        let form = try await form(client)
        return try await client.execute(
            uri: "/login", method: .post,
            headers: [.cookie: form.cookie, .contentType: "application/x-www-form-urlencoded"],
            body: ByteBuffer(string: "key=\(key)&csrf=\(form.token)")
        ) { response in
            #expect(response.status == .seeOther)
            #expect(response.headers[.location] == "/")
            let session = try #require(Self.setCookies(response).first { $0.hasPrefix("strata_session=") })
            #expect(session.contains("HttpOnly"))
            #expect(session.contains("SameSite=Strict"))
            #expect(session.contains("Max-Age=43200"))
            #expect(!session.contains("Secure"))
            return String(session.prefix { $0 != ";" })
        }
    }

    static func setCookies(_ response: TestResponse) -> [String] { response.headers[values: .setCookie] }

    /// A page asked for again until it shows what the server makes in the background (the overview's
    /// trends, a segment's reports, an activation's lift), which the first views show as being computed.
    static func page(
        _ client: any TestClientProtocol, _ uri: String, cookie: String, until made: (String) -> Bool
    ) async throws -> String {
        for _ in 0..<600 {
            let text = try await client.execute(uri: uri, method: .get, headers: [.cookie: cookie]) { response in
                #expect(response.status == .ok)
                return response.text
            }
            if made(text) { return text }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("\(uri) did not show its figures after 600 views")
        return ""
    }

    static func value(after marker: String, in text: String) -> String? {
        guard let start = text.range(of: marker)?.upperBound else { return nil }
        return String(text[start...].prefix { $0 != "\"" })
    }

    /// The text of the element with a `data-field` in a row or list: `<td ... data-field="size">TEXT<`.
    static func field(_ name: String, in html: Substring) -> String? {
        guard let start = html.range(of: "data-field=\"\(name)\">")?.upperBound else { return nil }
        return String(html[start...].prefix { $0 != "<" })
    }

    @Test("a visitor without a session, or with a forged one, is sent to the sign-in form")
    func refusesStrangers() async throws {
        let harness = try await ManagementTests.loaded(.sqlite)
        try await harness.run { client in
            for uri in ["/", "/segments/buyers", "/segments/buyers/members.csv", "/dashboard/changes"] {
                for cookie in [nil, "strata_session=1.99999999999999.00112233445566778899aabbccddeeff.00", "x=y"] {
                    let headers: HTTPFields = cookie.map { [.cookie: $0] } ?? [:]
                    try await client.execute(uri: uri, method: .get, headers: headers) { response in
                        #expect(response.status == .seeOther, "\(uri)")
                        #expect(response.headers[.location] == "/login")
                    }
                }
            }
            try await client.execute(uri: "/login", method: .get) { response in
                #expect(response.headers[.contentSecurityPolicy]?.hasPrefix("default-src 'none'") == true)
                #expect(response.text.contains("<label for=\"key\">Admin or viewer key</label>"))
            }
        }
    }

    @Test("signing in takes an admin or viewer key with the form's CSRF token, and nothing else")
    func signingIn() async throws {
        let harness = try await ManagementTests.loaded(.sqlite)
        let (viewer, record) = try await KeyRing(store: harness.store).create(kind: .viewer, at: Harness.now)
        #expect(viewer.hasPrefix("strata_viewer_"))
        #expect(record.prefix == viewer.prefix(18))
        try await harness.run { client in
            let form = try await Self.form(client)
            let post: HTTPFields = [.cookie: form.cookie, .contentType: "application/x-www-form-urlencoded"]
            // A wrong key, the write key, no token, another browser's token.
            for (body, headers, status) in [
                ("key=strata_admin_00&csrf=\(form.token)", post, HTTPResponse.Status.unauthorized),
                ("key=\(harness.writeKey)&csrf=\(form.token)", post, .unauthorized),
                ("key=\(harness.adminKey)", post, .forbidden),
                (
                    "key=\(harness.adminKey)&csrf=\(form.token)", [.contentType: "application/x-www-form-urlencoded"],
                    .forbidden
                ),
            ] as [(String, HTTPFields, HTTPResponse.Status)] {
                try await client.execute(uri: "/login", method: .post, headers: headers, body: ByteBuffer(string: body))
                {
                    response in
                    #expect(response.status == status, "\(body)")
                    #expect(Self.setCookies(response).allSatisfy { !$0.hasPrefix("strata_session=") })
                    #expect(!response.text.contains(harness.adminKey))
                }
            }
            let cookie = try await Self.signIn(client, key: viewer)
            try await client.execute(uri: "/", method: .get, headers: [.cookie: cookie]) { response in
                #expect(response.status == .ok)
                #expect(response.text.contains("Signed in with the viewer key \(record.prefix)…"))
            }
            // Signed in, the form sends the visitor on.
            try await client.execute(uri: "/login", method: .get, headers: [.cookie: cookie]) { response in
                #expect(response.status == .seeOther)
                #expect(response.headers[.location] == "/")
            }
            // The viewer key takes no route of the API, to write or to read.
            try await client.execute(uri: "/api/v1/segments", method: .get, headers: harness.bearer(viewer)) {
                #expect($0.status == .unauthorized)
            }
            try await client.execute(
                uri: "/api/v1/segments/buyers", method: .put, headers: harness.bearer(viewer),
                body: ByteBuffer(string: ManagementTests.buyers)
            ) { #expect($0.status == .unauthorized) }
            try await client.execute(
                uri: "/v1/track", method: .post, headers: harness.bearer(viewer),
                body: ByteBuffer(string: #"{"userId": "u9", "event": "E"}"#)
            ) { #expect($0.status == .unauthorized) }
        }
    }

    @Test("a session ends when it expires, when its key is revoked, and when the visitor signs out")
    func sessionsEnd() async throws {
        let harness = try await ManagementTests.loaded(.sqlite)
        let keys = KeyRing(store: harness.store)
        let (viewer, record) = try await keys.create(kind: .viewer, at: Harness.now)
        try await harness.run { client in
            let admin = try await Self.signIn(client, key: harness.adminKey)
            let revoked = try await Self.signIn(client, key: viewer)
            #expect(try await harness.store.revokeKey(id: record.id, at: Harness.now))
            // The server reads the keys again at most a second after it last did.
            try await Task.sleep(for: .milliseconds(1100))
            try await client.execute(uri: "/", method: .get, headers: [.cookie: revoked]) { response in
                #expect(response.status == .seeOther)
            }
            // Signing out takes the session's CSRF token.
            let token = try await client.execute(uri: "/", method: .get, headers: [.cookie: admin]) { response in
                try #require(Self.value(after: "name=\"csrf\" value=\"", in: response.text))
            }
            let post: HTTPFields = [.cookie: admin, .contentType: "application/x-www-form-urlencoded"]
            try await client.execute(uri: "/logout", method: .post, headers: post, body: ByteBuffer(string: "csrf=0")) {
                response in
                #expect(response.status == .forbidden)
            }
            try await client.execute(
                uri: "/logout", method: .post, headers: post, body: ByteBuffer(string: "csrf=\(token)")
            ) { response in
                #expect(response.status == .seeOther)
                #expect(response.headers[.location] == "/login")
                #expect(
                    Self.setCookies(response).contains { $0.hasPrefix("strata_session=;") && $0.contains("Max-Age=0") })
            }
            harness.clock.advance(by: 12 * 3_600_000)
            try await client.execute(uri: "/", method: .get, headers: [.cookie: admin]) { response in
                #expect(response.status == .seeOther)
                #expect(response.headers[.location] == "/login")
            }
        }
    }

    @Test("the overview and a segment's page show the numbers the API answers")
    func numbersMatchTheAPI() async throws {
        let harness = try await ManagementTests.loaded(.sqlite)
        // A second segment, which the server applies as it starts.
        try harness.write(
            "title: Browsers\nowner: growth\nwhere: count(\"Product Viewed\", last 365d) >= 1\n",
            to: "segments/browsers.yaml")
        try await harness.run { client in
            let admin = harness.bearer(harness.adminKey)
            let api = try await client.execute(uri: "/api/v1/segments", method: .get, headers: admin) { $0.json }
            let cookie = try await Self.signIn(client, key: harness.adminKey)
            let html = try await Self.page(client, "/?sort=size&order=desc", cookie: cookie) {
                $0.contains("data-trends=\"made\"")
            }
            // buyers: u1 and u2 of u1, u2, u3; browsers: u3 and u1 (as a1), of the same three.
            #expect(api["segments"]?.arrayValue?.count == 2)
            for segment in api["segments"]?.arrayValue ?? [] {
                let name = try #require(segment["name"]?.stringValue)
                let size = try #require(segment["size"]?.numberValue)
                let population = try #require(segment["population"]?.numberValue)
                let row = try #require(html.range(of: "<tr data-segment=\"\(name)\">"))
                let text = html[row.upperBound...]
                #expect(Self.field("size", in: text) == String(Int(size)))
                #expect(Self.field("share", in: text) == String(format: "%.1f%%", size * 100 / population))
            }
            #expect(Self.field("size", in: html[...]) == "2")
            #expect(Self.field("share", in: html[...]) == "66.7%")
            #expect(html.contains("<td>growth</td>"))
            let page = try await Self.page(client, "/segments/buyers", cookie: cookie) {
                $0.components(separatedBy: "<table class=\"report\">").count == 3
            }
            let members = try await client.execute(
                uri: "/api/v1/segments/buyers/members", method: .get, headers: admin
            ) { $0.json["members"]?.arrayValue?.compactMap(\.stringValue) ?? [] }
            #expect(members == ["u1", "u2"])
            #expect(Self.field("size", in: page[...]) == "2")
            #expect(page.contains("<a href=\"/reports/retention?days=1%2C7%2C30&amp;segments=buyers\">"))
            #expect(page.contains("<li><a href=\"/profiles/u1\">u1</a></li><li><a href=\"/profiles/u2\">u2</a></li>"))
            #expect(
                page.contains(
                    "<pre><code>title: Buyers\nwhere: count(&quot;Order Completed&quot;, last 365d) &gt;= 1\n</code></pre>"
                ))
            let csv = try await client.execute(
                uri: "/segments/buyers/members.csv", method: .get, headers: [.cookie: cookie]
            ) {
                response in
                #expect(response.headers[.contentDisposition] == "attachment; filename=\"buyers.csv\"")
                return response.text
            }
            let apiCSV = try await client.execute(
                uri: "/api/v1/segments/buyers/members?format=csv", method: .get, headers: admin
            ) { $0.text }
            #expect(csv == apiCSV)
            #expect(csv.hasPrefix("id,first_seen,last_seen,events\nu1,"))
            // Retention against the baseline and overlap with browsers, as the report API answers them.
            let retention = try await client.execute(
                uri: "/api/v1/reports/retention?segments=buyers&days=1,7,30", method: .get, headers: admin
            ) { $0.json["rows"]?.arrayValue ?? [] }
            let overlap = try await client.execute(
                uri: "/api/v1/reports/overlap?segments=buyers,browsers", method: .get, headers: admin
            ) { $0.json["rows"]?.arrayValue ?? [] }
            let tables = page.components(separatedBy: "<table class=\"report\">").dropFirst().map {
                Self.cells(of: $0.components(separatedBy: "</table>")[0])
            }
            #expect(tables.count == 2)
            #expect(
                tables.first?.map { Array($0.prefix(5)) }
                    == retention.map { Self.texts($0, ["cohort", "day", "size", "eligible", "returned"]) })
            // buyers: u1 (first seen 05-31, back on 06-01) and u2 (06-02, never back): day 1 is 1 of 2; the
            // baseline adds u3, first seen 06-02 and never back: 1 of 3. Day 30 has only u1 eligible.
            #expect(
                retention.map { row in
                    let rate = row["rate"]?.numberValue.map { String(format: "%.3f", $0) } ?? "none"
                    return "\(row["cohort"]?.stringValue ?? "") \(Int(row["day"]?.numberValue ?? -1)) \(rate)"
                } == [
                    "buyers 1 0.500", "buyers 7 0.000", "buyers 30 0.000", "baseline 1 0.333", "baseline 7 0.000",
                    "baseline 30 0.000",
                ])
            #expect(page.contains("<td class=\"number heat-5\">50.0%</td>"))
            #expect(page.contains("<td class=\"number heat-3\">33.3%</td>"))
            #expect(page.contains("aria-label=\"Retention by day since day 0, one line per cohort\""))
            // buyers {u1, u2} and browsers {u1, u3}: 1 in both, Jaccard 1 of 3, containment 1 of 2.
            let pair = try #require(overlap.first { $0["a"] == .string("buyers") })
            #expect(tables.last == [Self.texts(pair, ["a", "b", "count"]) + ["33.3%", "50.0%"]])
            #expect(pair["count"] == .number(1))
            // u2 comes back on its day 1: the API's retention says so at once, while the page keeps the
            // report it made for the evaluation age (an hour here).
            try await client.execute(
                uri: "/v1/track", method: .post, headers: harness.basic,
                body: ByteBuffer(
                    string:
                        #"{"userId": "u2", "event": "Logged In", "messageId": "e8", "timestamp": "2026-06-03T12:00:00Z"}"#
                )
            ) { #expect($0.status == .ok) }
            let after = try await client.execute(
                uri: "/api/v1/reports/retention?segments=buyers&days=1,7,30", method: .get, headers: admin
            ) { $0.json["rows"]?.arrayValue ?? [] }
            #expect(after.first?["rate"] == .number(1))
            let kept = try await client.execute(uri: "/segments/buyers", method: .get, headers: [.cookie: cookie]) {
                $0.text
            }
            #expect(kept.contains("<td class=\"number heat-5\">50.0%</td>"))
        }
    }

    /// The texts of a table's body cells, row by row.
    static func cells(of table: String) -> [[String]] {
        let body = table.components(separatedBy: "<tbody>").last ?? ""
        return body.components(separatedBy: "<tr>").dropFirst().map { row in
            row.components(separatedBy: "<td").dropFirst().map { cell in
                String(cell.drop { $0 != ">" }.dropFirst().prefix { $0 != "<" })
            }
        }
    }

    /// Some of a report row's values as a page writes numbers and text.
    static func texts(_ row: JSONValue, _ columns: [String]) -> [String] {
        columns.map { column in
            switch row[column] {
            case .number(let number)?: String(Int(number))
            case .string(let text)?: text
            default: "–"
            }
        }
    }

    @Test("an activation's page shows the activations API's counts by day, caps hit, the lift report and a simulation")
    func activationPage() async throws {
        let harness = try await ManagementTests.loaded(.sqlite)
        // On exit, which nothing in the events does, so the outbox adds no deliveries of its own.
        try harness.write(
            "title: Thanks\nsegment: buyers\non: exit\nholdout: 40%\ngoal: did(\"Order Completed\")\nsteps:\n"
                + "  - destination: hook\n  - after: 1d\n    destination: hook\n",
            to: "activations/thanks.yaml")
        try harness.write("kind: file\npath: out.jsonl\n", to: "destinations/hook.yaml")
        let day: Int64 = 86_400_000
        let june = Harness.now - 30 * day  // 2026-06-01T00:00:00Z
        func delivery(
            _ change: Int64, _ profile: String, step: Int = 0, at instant: Int64, _ status: Delivery.Status
        )
            -> Delivery
        {
            Delivery(
                changeID: change, activation: "thanks", step: step, segment: "buyers", profile: profile,
                entered: false, changeInstant: instant, cause: "message", destination: "hook", channel: "file",
                status: status, dueAt: instant)
        }
        _ = try await harness.store.enqueue(
            [
                delivery(1, "u1", at: june + day, .sent),  // converts on 06-03
                delivery(2, "u2", at: june, .heldOut),  // converts on 06-02
                delivery(3, "u3", at: june + 19 * day + day / 2, .heldOut),  // never converts
                delivery(4, "u1", at: Harness.now - day + day / 2, .capped),
                delivery(5, "u2", step: 1, at: Harness.now, .failed),
            ], consumer: "dashboard-test", through: 5)
        try await harness.run { client in
            let admin = harness.bearer(harness.adminKey)
            let api = try await client.execute(uri: "/api/v1/activations/thanks", method: .get, headers: admin) {
                $0.json
            }
            let lift = try await client.execute(
                uri: "/api/v1/reports/lift?activation=thanks", method: .get, headers: admin
            ) { $0.json["rows"]?.arrayValue ?? [] }
            let cookie = try await Self.signIn(client, key: harness.adminKey)
            let page = try await Self.page(client, "/activations/thanks", cookie: cookie) {
                !$0.contains("being computed")
            }
            // Today (from 2026-07-01) only the failed second step, as the API counts it.
            #expect(api["deliveries"] == .object(["failed": .number(1)]))
            #expect(
                page.contains(
                    "<tr><th scope=\"row\">2026-07-01</th><td class=\"number\">0</td><td class=\"number\">1</td><td class=\"number\">0</td></tr>"
                ))
            // The 14 days are 06-18 to 07-01: u3's held-out step on 06-20, the capped one on 06-30.
            #expect(
                page.contains(
                    "<th scope=\"col\">Due</th><th scope=\"col\" class=\"number\">capped</th><th scope=\"col\" class=\"number\">failed</th><th scope=\"col\" class=\"number\">held_out</th></tr>"
                ))
            #expect(
                page.contains(
                    "<tr><th scope=\"row\">2026-06-20</th><td class=\"number\">0</td><td class=\"number\">0</td><td class=\"number\">1</td></tr>"
                ))
            #expect(
                page.contains(
                    "<tr><th scope=\"row\">2026-06-30</th><td class=\"number\">1</td><td class=\"number\">0</td><td class=\"number\">0</td></tr>"
                ))
            #expect(
                page.contains(
                    "<span data-field=\"capped\">1</span> over these days, <span data-field=\"capped-today\">0</span> today"
                ))
            #expect(page.contains("<dt>Holdout</dt><dd>40%</dd>"))
            #expect(page.contains("<dt>Step 2</dt><dd>after 1d: hook (channel file)</dd>"))
            #expect(page.contains("<dt>Caps</dt><dd>none</dd>"))
            // Treated: u1's first step, converted; control: u2 (converted) and u3 (not).
            let lifted = Self.cells(
                of: try #require(page.components(separatedBy: "<table class=\"report\">").dropFirst().first, "\(page)"))
            #expect(
                lifted.map { Array($0[2...5]) } == [["treated", "1", "1", "100.0%"], ["control", "2", "1", "50.0%"]])
            #expect(lifted.map { Array($0[2...4]) } == lift.map { Self.texts($0, ["group", "n", "converted"]) })
            // May and June: u1 and u2 enter buyers and nobody exits, so the activation never triggers.
            let simulated = try await client.execute(
                uri: "/activations/thanks?from=2026-05-01&to=2026-06-30", method: .get, headers: [.cookie: cookie]
            ) { $0.text }
            #expect(
                simulated.contains(
                    "<p data-field=\"simulation\">2 enters and exits of buyers, 0 triggers, 0 deliveries</p>"))
            // It is linked from the activations and from its segment's page.
            try await client.execute(uri: "/activations", method: .get, headers: [.cookie: cookie]) {
                #expect($0.text.contains("<a href=\"/activations/thanks\">thanks</a>"))
            }
            try await client.execute(uri: "/segments/buyers", method: .get, headers: [.cookie: cookie]) {
                #expect($0.text.contains("<li><a href=\"/activations/thanks\">thanks</a>: on exit"))
            }
            for (uri, status, message) in [
                ("/activations/thank", HTTPResponse.Status.notFound, "no activation `thank`; did you mean `thanks`?"),
                ("/activations/thanks?from=x&to=2026-06-30", .badRequest, "from: expected an ISO 8601 instant"),
                ("/activations/thanks?from=2026-06-30", .badRequest, "from and to: both required"),
                ("/activations/thanks?from=2026-06-30&to=2026-06-01", .badRequest, "from must be before to"),
            ] as [(String, HTTPResponse.Status, String)] {
                try await client.execute(uri: uri, method: .get, headers: [.cookie: cookie]) { response in
                    #expect(response.status == status, "\(uri)")
                    #expect(response.text.contains(message), "\(uri)")
                }
            }
        }
    }

    @Test("a profile's page shows what the profiles API answers, and why the profile is in each segment")
    func profilePage() async throws {
        let harness = try await ManagementTests.loaded(.sqlite)
        try await harness.run { client in
            let api = try await client.execute(
                uri: "/api/v1/profiles/a1", method: .get, headers: harness.bearer(harness.adminKey)
            ) { $0.json }
            #expect(api["id"] == .string("u1"))
            #expect(api["segments"] == .array([.string("buyers")]))
            let cookie = try await Self.signIn(client, key: harness.adminKey)
            // Found by its anonymous id, as the API finds it.
            let page = try await client.execute(uri: "/profiles/a1", method: .get, headers: [.cookie: cookie]) {
                response in
                #expect(response.status == .ok)
                return response.text
            }
            #expect(page.contains("<h1>Profile u1</h1>"))
            #expect(page.contains("<dt>Ids</dt><dd>anonymousId a1, userId u1</dd>"))
            #expect(page.contains("<dt>Account</dt><dd>acme</dd>"))
            #expect(page.contains("<dt>plan</dt><dd>pro</dd>"))
            #expect(page.contains("<dt>Order Completed</dt><dd>2</dd>"))
            #expect(page.contains("<summary><a href=\"/segments/buyers\">buyers</a>: why</summary>"))
            #expect(
                page.contains(
                    "<pre>buyers: true\n└─ &gt;= -&gt; true\n   └─ count(&quot;Order Completed&quot;, last 365d) = 2</pre>"
                ))
            // The changes on a segment's page link to the profiles.
            let segment = try await client.execute(uri: "/segments/buyers", method: .get, headers: [.cookie: cookie]) {
                $0.text
            }
            #expect(segment.contains("<td><a href=\"/profiles/u1\">u1</a></td><td>entered</td>"))
            try await client.execute(uri: "/activations", method: .get, headers: [.cookie: cookie]) { response in
                #expect(response.status == .ok)
                #expect(response.text.contains("<p>No activations: a file in <code>activations/</code>"))
            }
            // A report's page shows the report API's rows.
            let report = try await client.execute(
                uri: "/api/v1/reports/retention?segments=buyers&days=1,7", method: .get,
                headers: harness.bearer(harness.adminKey)
            ) { $0.json["rows"]?.arrayValue ?? [] }
            let reportPage = try await client.execute(
                uri: "/reports/retention?segments=buyers&days=1,7&as_of=", method: .get, headers: [.cookie: cookie]
            ) { response in
                #expect(response.status == .ok)
                return response.text
            }
            #expect(report.count == 4)
            #expect(reportPage.components(separatedBy: "<tr><td>").count - 1 == report.count)
            #expect(
                reportPage.contains("<td>\(report[0]["cohort"]?.stringValue ?? "")</td><td class=\"number\">1</td>"))
            // A funnel as its form sends it, a space as +: u1 and u3 viewed a product, u1 then bought.
            let funnel = try await client.execute(
                uri: "/api/v1/reports/funnel?steps=%22Product%20Viewed%22&steps=%22Order%20Completed%22&within=30d",
                method: .get, headers: harness.bearer(harness.adminKey)
            ) { $0.json["rows"]?.arrayValue ?? [] }
            #expect(funnel.map { $0["reached"] } == [.number(2), .number(1)])
            let funnelPage = try await client.execute(
                uri: "/reports/funnel?steps=%22Product+Viewed%22&steps=%22Order+Completed%22&steps=&within=30d&as_of=",
                method: .get, headers: [.cookie: cookie]
            ) { $0.text }
            #expect(funnelPage.contains("value=\"&quot;Product Viewed&quot;\""))
            #expect(funnelPage.contains(">1 (50.0% of step 1, 50.0% of the step before)</text>"))
            #expect(
                Self.cells(of: funnelPage.components(separatedBy: "<table class=\"report\">").last ?? "").map {
                    Array($0.prefix(3))
                } == funnel.map { Self.texts($0, ["segment", "step", "reached"]) })
            try await client.execute(uri: "/reports/retention", method: .get, headers: [.cookie: cookie]) { response in
                #expect(response.status == .ok)
                #expect(response.text.contains("Fill in the form to run the report"))
            }
            for (uri, status) in [
                ("/reports/decay", HTTPResponse.Status.notFound), ("/reports/retention?segments=nope", .notFound),
                ("/reports/retention?segments=buyers&days=x", .badRequest),
            ] {
                try await client.execute(uri: uri, method: .get, headers: [.cookie: cookie]) {
                    #expect($0.status == status, "\(uri)")
                }
            }
            try await client.execute(uri: "/profiles/nobody", method: .get, headers: [.cookie: cookie]) { response in
                #expect(response.status == .notFound)
                #expect(response.text.contains("no profile with id `nobody`"))
            }
        }
    }

    @Test("bad input gets a page that says what is wrong, with a 4xx status")
    func badInput() async throws {
        let harness = try await ManagementTests.loaded(.sqlite)
        try await harness.run { client in
            let cookie = try await Self.signIn(client, key: harness.adminKey)
            for (uri, status, message) in [
                ("/segments/buyer", HTTPResponse.Status.notFound, "no segment `buyer`; did you mean `buyers`?"),
                ("/segments/Buyers", .badRequest, "segment names are kebab-case"),
                ("/segments/buyers?page=9", .badRequest, "page: 9 is past the last page, 1, of 2 matching members"),
                ("/segments/buyers?page=x", .badRequest, "page: expected a whole number from 1, found &quot;x&quot;"),
                ("/?sort=colour", .badRequest, "sort: expected one of name, title"),
            ] as [(String, HTTPResponse.Status, String)] {
                try await client.execute(uri: uri, method: .get, headers: [.cookie: cookie]) { response in
                    #expect(response.status == status, "\(uri)")
                    #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                    #expect(response.text.contains(message), "\(uri)")
                }
            }
        }
    }
}
