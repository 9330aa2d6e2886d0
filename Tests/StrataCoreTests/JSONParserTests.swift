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
}
