import StrataActivation
import StrataLanguage
import Testing

/// Standard Webhooks signatures and what HTTP answers mean for a delivery.
struct WebhookTests {
    @Test func theSignatureIsTheHMACOfIdTimestampAndBody() {
        // Python: base64(hmac.new(key, b'42.1782777600.{"a":1}', sha256).digest()).
        let secret = Secret("whsec_YWN0aXZhdGlvbi1jaGVjay1rZXktMDEyMzQ1Njc4OQ==")
        #expect(
            WebhookSender.signature(id: "42", timestamp: "1782777600", body: #"{"a":1}"#, secret: secret)
                == "v1,ATuz4dXr78QajqaGXUDe1YbxXwCZaVrT609oFXKVYRw=")
        #expect(WebhookSender.signature(id: "42", timestamp: "1", body: "", secret: Secret("plain")) == nil)
    }

    static let answers: [(Int, String?, SendOutcome)] = [
        (200, nil, .sent(status: 200)),
        (204, nil, .sent(status: 204)),
        (408, nil, .retry(error: "HTTP 408", status: 408, after: nil)),
        (429, "7", .retry(error: "HTTP 429", status: 429, after: 7_000)),
        (503, "Tue, 30 Jun 2026 00:00:30 GMT", .retry(error: "HTTP 503", status: 503, after: 30_000)),
        (500, "soon", .retry(error: "HTTP 500", status: 500, after: nil)),
        (
            410, nil,
            .fail(
                error: "HTTP 410 Gone: the destination is turned off until its file is edited", status: 410,
                disable: true)
        ),
        (404, nil, .fail(error: "HTTP 404", status: 404, disable: false)),
        (301, nil, .fail(error: "HTTP 301", status: 301, disable: false)),
    ]

    @Test(arguments: answers)
    func httpAnswers(status: Int, retryAfter: String?, outcome: SendOutcome) {
        #expect(WebhookSender.outcome(status: status, retryAfter: retryAfter, now: t0) == outcome)
    }
}
