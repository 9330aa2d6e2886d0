/// The dashboard's links.
public enum Paths {
    /// A segment's page.
    public static func segment(_ name: String) -> String { "/segments/" + component(name) }

    /// An activation's page.
    public static func activation(_ name: String) -> String { "/activations/" + component(name) }

    /// A profile's page, its id percent-encoded (an id may hold `/`, `?` or spaces).
    public static func profile(_ id: String) -> String { "/profiles/" + component(id) }

    /// Text percent-encoded to stand as one path segment or query value: every byte but the unreserved
    /// characters of RFC 3986.
    public static func component(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.append(Character(Unicode.Scalar(byte)))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                out += byte < 16 ? "%0" + hex : "%" + hex
            }
        }
        return out
    }
}
