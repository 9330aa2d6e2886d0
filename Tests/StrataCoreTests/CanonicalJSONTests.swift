import StrataCore
import Testing

struct CanonicalJSONTests {
    func canonical(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        let written = bytes.withUnsafeBufferPointer { CanonicalJSON.write($0, span: 0..<bytes.count, into: &out) }
        return written ? String(decoding: out, as: UTF8.self) : nil
    }

    @Test func sortsKeysAndNormalisesNumbersAndSpace() {
        #expect(
            canonical(
                #" { "b" : 1 , "a" : [1.50, "x", true, null, -0, 1e2, 12345678901234567890], "c":{"z":{},"y":[]}} "#)
                == #"{"a":[1.5,"x",true,null,0,100,1.2345678901234567e+19],"b":1,"c":{"y":[],"z":{}}}"#)
        #expect(canonical(#"{"ab":1,"a":2,"b":3}"#) == #"{"a":2,"ab":1,"b":3}"#)
        #expect(canonical(#"{"name":"Zoë"}"#) == #"{"name":"Zoë"}"#)
    }

    @Test func setsMembersInAnObject() {
        let bytes = Array(#"{"title":"T","name":"old","a":1}"#.utf8)
        var out: [UInt8] = []
        let written = bytes.withUnsafeBufferPointer {
            CanonicalJSON.write(
                $0, span: 0..<bytes.count, setting: [("name", "Home"), ("category", "Docs")], into: &out)
        }
        #expect(written)
        #expect(String(decoding: out, as: UTF8.self) == #"{"a":1,"category":"Docs","name":"Home","title":"T"}"#)
    }

    /// Everything it reads, it writes as the parser and the writer do.
    @Test(arguments: [
        #"{"amount":87,"currency":"USD","plan":"pro"}"#, #"{"sentiment":0.32,"rating":4}"#,
        #"[0.1, -0.0, 9007199254740993, 123456789012345678, 1E-7, 2.5e+3]"#, #"{"a":{"b":{"c":[[],{}]}}}"#,
        #""héllo""#, "123", "-7", "false",
    ])
    func agreesWithTheParserAndWriter(_ text: String) throws {
        let expected = JSONWriter.string(try JSONParser.parse(text))
        #expect(canonical(text) == expected)
    }

    /// Invalid JSON, and what it leaves to the parser: escapes, repeated keys, keys beyond ASCII.
    @Test(arguments: [
        #"{"a":1"#, #"{"a":1}x"#, "[01]", #"{"a":1,}"#, "[1,]", #"{"a" 1}"#, "tru", "nul", "-", "1.", "1e",
        "\"a\u{01}\"", #""\u0041""#, #"{"a":1,"a":2}"#, #"{"é":1}"#, "1e999",
        String(repeating: "[", count: 40) + String(repeating: "]", count: 40),
    ])
    func refuses(_ text: String) {
        #expect(canonical(text) == nil)
    }

    @Test func refusesInvalidUTF8() {
        let bytes: [UInt8] = [0x22, 0xC3, 0x28, 0x22]
        var out: [UInt8] = []
        #expect(!bytes.withUnsafeBufferPointer { CanonicalJSON.write($0, span: 0..<4, into: &out) })
        #expect(throws: JSONParser.Error.self) { try JSONParser.parse(bytes) }
    }
}
