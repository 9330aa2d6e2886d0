import StrataCore
import Testing

struct JSONParserTests {
    @Test func parsesEveryKind() throws {
        let value = try JSONParser.parse(
            #" {"a": [1, -2.5, 3e2, true, false, null], "b": "x\"y\\z\u00e9\ud83d\ude00", "c": {}} "#)
        #expect(
            value
                == .object([
                    "a": .array([.number(1), .number(-2.5), .number(300), .bool(true), .bool(false), .null]),
                    "b": .string("x\"y\\zé😀"), "c": .object([:]),
                ]))
    }

    @Test(arguments: [
        (#"{"a":1"#, "unexpected end of input, expected ',' or '}'"),
        (#"{"a":1}x"#, "unexpected content after the JSON value"),
        (#"[01]"#, "leading zero in number"),
        (#""\ud800""#, "lone high surrogate in \\u escape"),
        (#"{a:1}"#, "expected a string key"),
        (#"tru"#, "invalid literal"),
    ])
    func rejects(text: String, message: String) {
        #expect(throws: JSONParser.Error.self) { try JSONParser.parse(text) }
        do {
            _ = try JSONParser.parse(text)
        } catch {
            #expect(error.message == message)
        }
    }

    @Test func rejectsInvalidUTF8() {
        let bytes: [UInt8] = [0x22, 0xC3, 0x28, 0x22]  // an invalid two-byte sequence inside a string
        #expect(throws: JSONParser.Error(offset: 0, message: "invalid UTF-8 in string")) {
            try JSONParser.parse(bytes)
        }
    }

    @Test func limitsNesting() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: JSONParser.Error(offset: 256, message: "nesting deeper than 256 levels")) {
            try JSONParser.parse(deep)
        }
        let ok = String(repeating: "[", count: 256) + String(repeating: "]", count: 256)
        #expect((try? JSONParser.parse(ok)) != nil)
    }

    @Test func writerSortsKeysAndRoundTrips() throws {
        let value: JSONValue = .object(["b": .number(2), "a": .array([.string("q\"\n"), .number(0.5), .null])])
        let text = JSONWriter.string(value)
        #expect(text == #"{"a":["q\"\n",0.5,null],"b":2}"#)
        #expect(try JSONParser.parse(text) == value)
    }

    func kept(_ text: String, _ keys: Set<String>) -> Result<[String: JSONValue], JSONParser.Error> {
        Array(text.utf8).withUnsafeBufferPointer { bytes in
            Result { () throws(JSONParser.Error) in try JSONParser.parseObject(bytes, keeping: keys) }
        }
    }

    @Test func keepsOnlyTheAskedMembers() {
        let text = #"{"plan":"pro","skip":{"deep":[1,"two\u00e9",{"x":null}],"t":true},"mrr":87.5,"s":"a\"b"}"#
        #expect(kept(text, ["plan", "mrr", "absent"]) == .success(["plan": .string("pro"), "mrr": .number(87.5)]))
        #expect(kept(text, []) == .success([:]))
        #expect(kept(" {} ", ["plan"]) == .success([:]))
    }

    /// A skipped member is checked as parsing checks it: the same error at the same offset.
    @Test(arguments: [
        #"{"skip":[1,2,}"#, #"{"skip":{"a" 1}}"#, #"{"skip":"\x"}"#, #"{"skip":01}"#, #"{"skip":tru}"#,
        #"{"skip":{"a":1]}"#, #"{"skip":[1 2]}"#, #"{"skip":"open}"#, #"{"skip":{}} x"#, #"{"skip":{1:2}}"#,
    ])
    func skippedMembersFailAsParsingFails(text: String) {
        let parsed = Result { () throws(JSONParser.Error) in try JSONParser.parse(text) }
        guard case .failure(let expected) = parsed else {
            Issue.record("\(text) parsed")
            return
        }
        #expect(kept(text, ["other"]) == .failure(expected))
    }

    @Test func skippingRespectsTheNestingLimit() {
        let deep =
            String(repeating: "[", count: JSONParser.maxDepth) + String(repeating: "]", count: JSONParser.maxDepth)
        #expect(throws: JSONParser.Error.self) { _ = try JSONParser.parse(#"{"skip":\#(deep)}"#) }
        #expect((try? kept(#"{"skip":\#(deep)}"#, []).get()) == nil)
        let fits =
            String(repeating: "[", count: JSONParser.maxDepth - 1)
            + String(repeating: "]", count: JSONParser.maxDepth - 1)
        #expect((try? JSONParser.parse(#"{"skip":\#(fits)}"#)) != nil)
        #expect(kept(#"{"skip":\#(fits)}"#, []) == .success([:]))
    }
}
