import Testing

@testable import StrataDashboard

@Suite("Session cookies and CSRF tokens")
struct SessionSignerTests {
    let signer = SessionSigner(secret: Array(repeating: 7, count: 32))
    let now: Int64 = 1_782_864_000_000

    @Test("a cookie verifies until it expires, twelve hours after it was issued")
    func verifiesUntilExpiry() throws {
        let cookie = signer.issue(keyID: 42, now: now)
        let session = try #require(signer.verify(cookie, now: now + 1000))
        #expect(session.keyID == 42)
        #expect(session.expires == now + 43_200_000)
        #expect(session.nonce.utf8.count == 32)
        #expect(signer.verify(cookie, now: now + 43_199_999) == session)
        #expect(signer.verify(cookie, now: now + 43_200_000) == nil)
    }

    @Test("a cookie with any part changed, signed with another secret or malformed is refused")
    func refusesTampering() {
        let cookie = signer.issue(keyID: 42, now: now)
        let parts = cookie.split(separator: ".").map(String.init)
        let otherKey = (["43"] + parts.dropFirst()).joined(separator: ".")
        let longer = ([parts[0], String(now + 99 * 43_200_000)] + parts.dropFirst(2)).joined(separator: ".")
        let flipped = parts.dropLast().joined(separator: ".") + "." + String(parts[3].reversed())
        let foreign = SessionSigner(secret: Array(repeating: 8, count: 32)).issue(keyID: 42, now: now)
        for forged in [
            otherKey, longer, flipped, foreign, parts.dropLast().joined(separator: "."), "", "...", "a.b.c.d",
        ] {
            #expect(signer.verify(forged, now: now) == nil, "\(forged)")
        }
    }

    @Test("a CSRF token belongs to one session, a sign-in token to one nonce")
    func csrfTokens() throws {
        let first = try #require(signer.verify(signer.issue(keyID: 1, now: now), now: now))
        let second = try #require(signer.verify(signer.issue(keyID: 1, now: now), now: now))
        let token = signer.csrfToken(for: first)
        #expect(token.utf8.count == 64)
        #expect(signer.checkCSRF(token, for: first))
        #expect(!signer.checkCSRF(token, for: second))
        #expect(!signer.checkCSRF("", for: first))
        let signIn = signer.signInToken(nonce: "abc")
        #expect(signer.checkSignIn(signIn, nonce: "abc"))
        #expect(!signer.checkSignIn(signIn, nonce: "abd"))
        #expect(!signer.checkSignIn(signer.signInToken(nonce: ""), nonce: ""))
        // A session's CSRF token is not a sign-in token for the same nonce, nor the other way round.
        #expect(!signer.checkSignIn(token, nonce: first.nonce))
    }

    @Test("the MACs are HMAC-SHA256 over the signed text, as Python's hmac module computes them")
    func knownMACs() throws {
        #expect(signer.signInToken(nonce: "abc") == "f67017cd485f1cbe9cc1c7a5bf0d21f94e6ec72dbf0c1f02d0e0de566d5c429d")
        let cookie =
            "42.1782907200000.00112233445566778899aabbccddeeff.7f4408c5f699d073fc9e096163b22cb3336577d850b3ed833e3c5852eebb5503"
        let session = try #require(signer.verify(cookie, now: now))
        #expect(
            session
                == SessionSigner.Session(
                    keyID: 42, expires: 1_782_907_200_000, nonce: "00112233445566778899aabbccddeeff"))
    }
}
