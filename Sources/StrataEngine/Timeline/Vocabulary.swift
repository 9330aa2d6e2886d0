import StrataCore

/// The interned names and values shared by every timeline of a population: event names, property
/// paths, string values, and the rare array or object values.
///
/// Timelines store small integers that index these tables, so an event costs a few bytes and a string
/// comparison against a literal is an integer comparison.
public struct Vocabulary: Sendable {
    /// Event names by id.
    public private(set) var eventNames: [String] = []
    /// Property paths kept on events, by slot.
    public private(set) var propertyPaths: [[String]] = []
    /// Interned string values by id.
    public private(set) var strings = StringTable()
    /// Array and object values by id.
    public private(set) var jsonValues: [JSONValue] = []

    private var eventNameIndex: [Bytes: UInt32] = [:]
    private var jsonIndex: [JSONValue: UInt32] = [:]
    private var propertyPathIndex: [[String]: Int] = [:]

    /// An empty vocabulary.
    public init() {}

    /// A vocabulary holding these tables (as read back from a file), with their indexes rebuilt.
    init(eventNames: [String], propertyPaths: [[String]], strings: StringTable, jsonValues: [JSONValue]) {
        for name in eventNames { _ = internEventName(name) }
        for path in propertyPaths { _ = addPropertyPath(path) }
        self.strings = strings
        for value in jsonValues { _ = internJSON(value) }
    }

    /// The id of an event name, or nil when no event has it.
    public func eventNameID(_ name: String) -> UInt32? { eventNameIndex[Bytes(name)] }

    /// The id of a string value, or nil when no stored value is that string.
    public func stringID(_ string: String) -> UInt32? { strings.id(of: string) }

    /// The slot of a kept property path, or nil when events do not keep it.
    public func propertySlot(_ path: [String]) -> Int? { propertyPathIndex[path] }

    mutating func internEventName(_ name: String) -> UInt32 {
        let key = Bytes(name)
        if let id = eventNameIndex[key] { return id }
        let id = UInt32(eventNames.count)
        eventNames.append(name)
        eventNameIndex[key] = id
        return id
    }

    mutating func internString(_ string: String) -> UInt32 { strings.intern(string) }

    /// The id of an array or object value, interned if new: equal values share one id, so that
    /// `count_distinct` and `top` count them as one value.
    mutating func internJSON(_ value: JSONValue) -> UInt32 {
        if let id = jsonIndex[value] { return id }
        let id = UInt32(jsonValues.count)
        jsonValues.append(value)
        jsonIndex[value] = id
        return id
    }

    mutating func addPropertyPath(_ path: [String]) -> Int {
        if let slot = propertyPathIndex[path] { return slot }
        let slot = propertyPaths.count
        propertyPaths.append(path)
        propertyPathIndex[path] = slot
        return slot
    }

    /// Encodes a JSON value as a tag and a payload (interning strings); null is absent.
    mutating func encode(_ value: JSONValue) -> (tag: UInt8, payload: UInt64) {
        switch value {
        case .null: return (StoredValue.absent, 0)
        case .number(let n): return (StoredValue.number, StoredValue.bits(n))
        case .bool(let b): return (StoredValue.bool, b ? 1 : 0)
        case .string(let s): return (StoredValue.string, UInt64(internString(s)))
        case .array, .object: return (StoredValue.json, UInt64(internJSON(value)))
        }
    }

    /// The value a stored tag and payload stand for.
    @inline(__always) func decode(tag: UInt8, payload: UInt64) -> Value {
        switch tag {
        case StoredValue.number: return .number(Double(bitPattern: payload))
        case StoredValue.string: return .string(strings[Int(payload)])
        case StoredValue.bool: return .bool(payload != 0)
        case StoredValue.json: return Value(jsonValues[Int(payload)])
        default: return .missing
        }
    }
}
