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
            let html = try await client.execute(uri: "/?sort=size&order=desc", method: .get, headers: [.cookie: cookie])
            {
                response in
                #expect(response.status == .ok)
                return response.text
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
            let page = try await client.execute(uri: "/segments/buyers", method: .get, headers: [.cookie: cookie]) {
                response in
                #expect(response.status == .ok)
                return response.text
            }
            let members = try await client.execute(
                uri: "/api/v1/segments/buyers/members", method: .get, headers: admin
            ) { $0.json["members"]?.arrayValue?.compactMap(\.stringValue) ?? [] }
            #expect(members == ["u1", "u2"])
            #expect(Self.field("size", in: page[...]) == "2")
            #expect(page.contains("<a href=\"/reports/retention?segments=buyers&amp;days=1,7,30\">"))
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
