import Testing

@testable import StrataServer

/// The scan that decides whether a body is parsed for its `writeKey` field.
@Suite struct WriteKeyFieldTests {
    @Test(arguments: [
        (#"{"writeKey":"k"}"#, true),
        (#"{"batch":[{"type":"track"}],"writeKey":"k"}"#, true),
        (#""writeKey""#, true),
        (#"{"writekey":"k"}"#, false),
        (#"{"writeKe":"k"}"#, false),
        (#"{writeKey:"k"}"#, false),
        (#"{"x":"""writeKe"#, false),
        ("", false),
    ])
    func findsTheQuotedName(body: String, holds: Bool) {
        #expect(WriteKeyField.holdsName(Array(body.utf8)) == holds)
    }

    @Test func aBodyWithTheFieldLosesItAndKeepsTheRest() {
        let (keys, document) = WriteKeyField.take(
            from: Array(#"{"writeKey":"wk_1","batch":[{"type":"track","writeKey":"wk_2"}]}"#.utf8))
        #expect(keys == ["wk_1", "wk_2"])
        #expect(String(decoding: document, as: UTF8.self) == #"{"batch":[{"type":"track"}]}"#)
    }
}
