import Foundation
import StrataLanguage
import Testing

@testable import StrataActivation

/// The parts of email that need no server: signed links, the message text, SMTP replies, dot-stuffing
/// and engagement tracking.
struct MailTests {
    static let links = MailLinks(key: Array(0..<32))

    @Test func aServerThatRefusesTheConnectionIsSaidToInPlainWords() async throws {
        let files = ["destinations/mail.yaml": "kind: smtp\nhost: 127.0.0.1\nport: 9\ntls: none\nfrom: a@b.example\n"]
        let definitions = Definitions.load(DefinitionFiles(files), environment: [:])
        #expect(definitions.diagnostics.isEmpty)
        guard case .smtp(let smtp)? = definitions.destination(named: "mail")?.kind else {
            Issue.record("no smtp destination")
            return
        }
        let client = try SMTPClient(smtp: smtp, root: URL(fileURLWithPath: "/"))
        await #expect(
            throws: SMTPClient.Failure.transient("could not talk to the SMTP server: connection refused", code: nil)
        ) {
            _ = try await client.send(from: "a@b.example", to: "c@d.example", message: "Subject: x\r\n\r\nhi")
        }
    }

    @Test func tokensAreTheBase64URLOfTheFieldsAndTheirHMAC() {
        // Python: p = "\0".join(fields).encode(); urlsafe_b64(p) + "." + urlsafe_b64(hmac(bytes(range(32)), p,
        // sha256)), without padding.
        #expect(
            Self.links.token(for: .unsubscribe(profile: "ann", destination: "email"))
                == "dQBhbm4AZW1haWw.Xjm_HbYlwHe3Roj6FQnSGjGr7vE_smr8LIs429flx5Y")
        let mail = MailLinks.Engagement(
            delivery: 42, profile: "ann", activation: "cart-recovery", step: 0, variant: nil)
        let click = MailLinks.Link.click(mail, url: "https://acme.example/cart?id=7&x=1")
        #expect(
            Self.links.token(for: click)
                == "YwA0MgBhbm4AY2FydC1yZWNvdmVyeQAwAABodHRwczovL2FjbWUuZXhhbXBsZS9jYXJ0P2lkPTcmeD0x."
                + "ebW5xKrQo9ZSuI91TMhd-zi_OTj0ImpHLJcMcgsu5lY")
        #expect(
            Self.links.url(for: click, publicURL: "https://strata.acme.example/").hasPrefix(
                "https://strata.acme.example/t/c/YwA0MgBh"))
    }

    @Test func aTokenReadsBackOnlyWithItsSignature() throws {
        let mail = MailLinks.Engagement(delivery: 7, profile: "bo b", activation: "win-back", step: 1, variant: "b")
        for link in [
            MailLinks.Link.unsubscribe(profile: "ann", destination: "email"), .open(mail),
            .click(mail, url: "https://acme.example/?q=é"),
        ] {
            let token = Self.links.token(for: link)
            #expect(Self.links.link(from: token) == link)
            // Another workspace's key, or one changed byte of the fields, and the token means nothing.
            #expect(MailLinks(key: Array(repeating: 7, count: 32)).link(from: token) == nil)
            var forged = Array(token)
            forged[2] = forged[2] == "A" ? "B" : "A"
            #expect(Self.links.link(from: String(forged)) == nil)
        }
        #expect(Self.links.link(from: "no-dot") == nil)
        #expect(Self.links.link(from: "a.b.c") == nil)
        #expect(Self.links.link(from: "%%%.%%%") == nil)
    }

    @Test func aMessageIsSevenBitCleanWithItsPartsInBase64() throws {
        let message = MailMessage(
            from: try #require(MailAddress("Acme Growth <growth@acme.example>")),
            to: try #require(MailAddress("ann@example.com")),
            subject: "Grüße, Ann", messageID: "delivery-42.acme@acme.example", date: 1_782_777_600_000,
            text: "Hi Ann,\nyour cart is waiting.\n", html: "<p>Hi Ann</p>",
            headers: [("List-Unsubscribe", "<https://s.example/u/T>")])
        // Bodies in base64 as Python's base64.b64encode gives them.
        let expected = [
            "From: \"Acme Growth\" <growth@acme.example>", "To: ann@example.com",
            "Subject: =?UTF-8?B?R3LDvMOfZSwgQW5u?=", "Date: Tue, 30 Jun 2026 00:00:00 +0000",
            "Message-ID: <delivery-42.acme@acme.example>", "MIME-Version: 1.0",
            "List-Unsubscribe: <https://s.example/u/T>",
            "Content-Type: multipart/alternative; boundary=\"=_strata_alternative_delivery-42.acme\"", "",
            "--=_strata_alternative_delivery-42.acme", "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: base64", "", "SGkgQW5uLAp5b3VyIGNhcnQgaXMgd2FpdGluZy4K",
            "--=_strata_alternative_delivery-42.acme", "Content-Type: text/html; charset=utf-8",
            "Content-Transfer-Encoding: base64", "", "PHA+SGkgQW5uPC9wPg==",
            "--=_strata_alternative_delivery-42.acme--",
            "",
        ]
        #expect(message.rendered == expected.joined(separator: "\r\n"))
    }

    @Test func headerTextCannotBreakALine() throws {
        #expect(MailMessage.encodedWords("Hello\r\nBcc: everyone@example.com") == "Hello  Bcc: everyone@example.com")
        // 60 two-byte characters: 45-byte words of whole characters, folded.
        let long = MailMessage.encodedWords(String(repeating: "é", count: 60))
        let words = long.components(separatedBy: "\r\n ")
        #expect(words.count == 3)
        #expect(words.allSatisfy { $0.hasPrefix("=?UTF-8?B?") && $0.hasSuffix("?=") })
        let decoded = words.map { Data(base64Encoded: String($0.dropFirst(10).dropLast(2))) }
        #expect(decoded.map { $0?.count } == [44, 44, 32])
        let zoe = try #require(MailAddress("Zoë <z@acme.example>"))
        #expect(MailMessage.header(zoe) == "=?UTF-8?B?Wm/Dqw==?= <z@acme.example>")
    }

    @Test func addressesAreParsedStrictly() {
        #expect(MailAddress("Ann <ann@example.com>")?.name == "Ann")
        #expect(MailAddress("Ann <ann@example.com>")?.address == "ann@example.com")
        #expect(MailAddress("\"Ann B.\" <ann.b+x@mail.example.com>")?.name == "Ann B.")
        #expect(MailAddress(" ann@example.com ")?.address == "ann@example.com")
        for bad in [
            "", "ann", "ann@", "@example.com", "ann@@example.com", "ann@exa mple.com", "ann@example..com",
            "ann@example.com\r\nBcc: x@y.z", "Ann <ann@example.com", "ann@-example.com", "anné@example.com",
        ] {
            #expect(MailAddress(bad) == nil, "\(bad)")
        }
    }

    @Test func repliesSpanLinesAndStrayLinesAreRefused() throws {
        var parser = SMTPReplyParser()
        #expect(try parser.take("250-mail.example.com greets you") == nil)
        #expect(try parser.take("250-STARTTLS") == nil)
        #expect(
            try parser.take("250 AUTH PLAIN LOGIN")
                == SMTPReply(
                    code: 250, lines: ["mail.example.com greets you", "STARTTLS", "AUTH PLAIN LOGIN"]))
        #expect(try parser.take("354") == SMTPReply(code: 354, lines: [""]))
        #expect(throws: SMTPReplyParser.Malformed.self) { try parser.take("hello") }
        #expect(throws: SMTPReplyParser.Malformed.self) { try parser.take("25") }
        _ = try parser.take("250-first")
        #expect(throws: SMTPReplyParser.Malformed.self) { try parser.take("251 another code") }
        let features = SMTPClient.extensions(
            SMTPReply(code: 250, lines: ["mx greets", "STARTTLS", "auth plain Login", "AUTH=LOGIN", "SIZE 1000"]))
        #expect(features["STARTTLS"] == [])
        #expect(features["SIZE"] == ["1000"])
    }

    @Test func dataLinesStartingWithADotAreDoubled() {
        #expect(SMTPClient.dotStuffed(".a\r\nb\r\n.\r\n..c") == "..a\r\nb\r\n..\r\n...c\r\n")
        #expect(SMTPClient.serverName("127.0.0.1") == nil)
        #expect(SMTPClient.serverName("::1") == nil)
        #expect(SMTPClient.serverName("smtp.example.com") == "smtp.example.com")
    }

    @Test func linksLeadThroughTrackingAndThePixelGoesBeforeTheBodyEnds() {
        let html = """
            <body><a href="https://acme.example/cart?id=7&amp;x=1">cart</a> <A HREF='http://b.example'>b</A>
            <a href="mailto:help@acme.example">help</a> <a href="https://s.example/u/TOKEN">unsubscribe</a></body>
            """
        let tracked = EngagementTracking.track(
            html: html, pixel: "https://s.example/t/o/P", skipping: "https://s.example/u/"
        ) {
            "https://s.example/t/c/[\($0)]"
        }
        #expect(
            tracked == """
                <body><a href="https://s.example/t/c/[https://acme.example/cart?id=7&amp;x=1]">cart</a> \
                <A href='https://s.example/t/c/[http://b.example]'>b</A>
                <a href="mailto:help@acme.example">help</a> <a href="https://s.example/u/TOKEN">unsubscribe</a>\
                <img src="https://s.example/t/o/P" width="1" height="1" alt="" style="display:none"></body>
                """)
    }
}
