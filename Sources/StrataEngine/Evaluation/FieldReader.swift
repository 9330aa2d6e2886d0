import StrataLanguage

/// Reads one field of events (a kept property or a built-in `$` field) as a stored key
/// (tag + payload) or as a number, for the event functions that take a field argument.
struct FieldReader: Sendable {
    enum Source: Sendable {
        /// A kept property slot.
        case property(UInt16)
        /// A property the timelines do not keep: always absent.
        case absent
        case weekday
        case hour
        case user
        case name
    }

    let source: Source
    let calendar: LocalCalendar
    let population: Population

    /// The field's key on event `i` (tag ``StoredValue/absent`` when the event lacks it).
    @inline(__always) func key(
        _ timelines: Timelines, _ i: Int, _ evaluator: Evaluator
    ) -> (
        tag: UInt8, payload: UInt64
    ) {
        switch source {
        case .property(let slot): return timelines.property(slot, of: i)
        case .absent: return (StoredValue.absent, 0)
        case .weekday: return (StoredValue.weekday, UInt64(calendar.weekday(timelines.times[i])))
        case .hour: return (StoredValue.number, StoredValue.bits(Double(calendar.hour(timelines.times[i]))))
        case .name: return (StoredValue.eventName, UInt64(timelines.names[i]))
        case .user:
            let user = timelines.users.isEmpty ? evaluator.profile : Int(timelines.users[i])
            guard population.users.hasUserID[user] else { return (StoredValue.absent, 0) }
            return (StoredValue.user, UInt64(user))
        }
    }

    /// The field's numeric value on event `i`, or nil when absent or not a number.
    @inline(__always) func number(_ timelines: Timelines, _ i: Int, _ evaluator: Evaluator) -> Double? {
        switch source {
        case .property(let slot):
            let (tag, payload) = timelines.property(slot, of: i)
            return tag == StoredValue.number ? Double(bitPattern: payload) : nil
        case .hour:
            return Double(calendar.hour(timelines.times[i]))
        default:
            return nil
        }
    }

    /// The value of a key read by this reader.
    func value(tag: UInt8, payload: UInt64) -> Value {
        FieldReader.value(tag: tag, payload: payload, population: population)
    }

    /// The value of a key, including the built-in field tags.
    static func value(tag: UInt8, payload: UInt64, population: Population) -> Value {
        switch tag {
        case StoredValue.weekday: return .string(LocalCalendar.weekdayNames[Int(payload) % 7])
        case StoredValue.eventName: return .string(population.vocabulary.eventNames[Int(payload)])
        case StoredValue.user: return .string(population.users.ids[Int(payload)])
        default: return population.vocabulary.decode(tag: tag, payload: payload)
        }
    }

    /// The value of the field on event `i` (for `where` conditions).
    @inline(__always) func value(_ timelines: Timelines, _ i: Int, _ evaluator: Evaluator) -> Value {
        let (tag, payload) = key(timelines, i, evaluator)
        return value(tag: tag, payload: payload)
    }
}
