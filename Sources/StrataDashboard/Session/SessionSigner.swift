import Crypto
import Foundation

/// Signs and verifies the dashboard's session cookies and CSRF tokens with HMAC-SHA256 over a server
/// secret (``SessionSecret``).
///
/// A session cookie is `KEYID.EXPIRES.NONCE.MAC`: the id of the key that signed in (never the key), the
/// instant the session ends (ms since epoch), 16 random bytes in hex, and the HMAC of the first three.
/// Nothing in it is secret; a change to any part breaks the MAC. Whether the key is still active is for
/// the caller to ask the key store, so that a revoked key ends its sessions.
///
/// A CSRF token is the HMAC of a session's nonce (for the forms of a signed-in visitor) or of a nonce
/// kept in a cookie of its own (the sign-in form, before there is a session): a page of another
/// origin can neither read the cookie nor compute the token.
public struct SessionSigner: Sendable {
    /// A verified session.
    public struct Session: Sendable, Equatable {
        /// The id of the API key that signed in.
        public var keyID: Int64
        /// When the session ends (ms since epoch).
        public var expires: Int64
        /// The session's random nonce, in hex.
        public var nonce: String
    }

    /// How long a session lasts: 12 hours.
    public static let lifetime: Int64 = 12 * 3_600_000

    private let secret: [UInt8]

    /// A signer over a secret of at least 32 bytes.
    public init(secret: [UInt8]) {
        self.secret = secret
    }

    /// A new session for a key, ending ``lifetime`` after `now`, as a cookie value.
    public func issue(keyID: Int64, now: Int64) -> String {
        let body = "\(keyID).\(now + Self.lifetime).\(Self.nonce())"
        return body + "." + mac("session." + body)
    }

    /// The session of a cookie value when its MAC is right and it has not expired at `now`; nil for
    /// anything forged, tampered with, malformed or expired.
    public func verify(_ cookie: String, now: Int64) -> Session? {
        let parts = cookie.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, let keyID = Int64(parts[0]), let expires = Int64(parts[1]),
            parts[2].utf8.count == 32
        else { return nil }
        let body = parts[0..<3].joined(separator: ".")
        guard Self.constantTimeEqual(mac("session." + body), String(parts[3])), now < expires else { return nil }
        return Session(keyID: keyID, expires: expires, nonce: String(parts[2]))
    }

    /// The CSRF token of a session's forms.
    public func csrfToken(for session: Session) -> String { mac("csrf." + session.nonce) }

    /// Whether a submitted token is the session's.
    public func checkCSRF(_ token: String, for session: Session) -> Bool {
        Self.constantTimeEqual(csrfToken(for: session), token)
    }

    /// The CSRF token of the sign-in form, bound to a nonce the browser keeps in a cookie.
    public func signInToken(nonce: String) -> String { mac("sign-in." + nonce) }

    /// Whether a submitted sign-in token belongs to the nonce of the browser's cookie.
    public func checkSignIn(_ token: String, nonce: String) -> Bool {
        !nonce.isEmpty && Self.constantTimeEqual(signInToken(nonce: nonce), token)
    }

    /// 16 random bytes in hex.
    public static func nonce() -> String {
        var generator = SystemRandomNumberGenerator()
        return hex((0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    private func mac(_ text: String) -> String {
        Self.hex(Array(HMAC<SHA256>.authenticationCode(for: Array(text.utf8), using: SymmetricKey(data: secret))))
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { $0 < 16 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }

    /// Compares two strings in time independent of where they differ.
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let (x, y) = (Array(a.utf8), Array(b.utf8))
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for (p, q) in zip(x, y) { difference |= p ^ q }
        return difference == 0
    }
}
