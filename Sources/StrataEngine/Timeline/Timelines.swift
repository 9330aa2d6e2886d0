import StrataCore
import StrataLanguage

/// The timelines of every profile of one kind (users or accounts), in compact columnar form.
///
/// Events live in flat arrays sorted by profile, then time; a profile owns the index range
/// `starts[p]..<starts[p + 1]`. Each event has a time (Int64 ms), an interned name, and the kept
/// properties as (slot, tag, payload) entries in `propertyStarts[e]..<propertyStarts[e + 1]`.
/// Traits are a dense table of `profiles × trait slots` tagged values. Profiles are sorted by the
/// bytes of their id.
public final class Timelines: Sendable {
    /// The kind of profile.
    public let kind: ProfileKind
    /// Profile ids, sorted by bytes.
    public let ids: [String]
    /// Whether each profile has a userId (users), used for `$user`.
    let hasUserID: [Bool]
    /// Event ranges: profile `p` owns `starts[p]..<starts[p + 1]`.
    let starts: [Int]
    /// Event times, ms.
    let times: [Int64]
    /// Event name ids.
    let names: [UInt32]
    /// For account timelines, the user profile index of each event (empty for users).
    let users: [UInt32]
    /// Property entry ranges per event (`count + 1` entries).
    let propertyStarts: [UInt32]
    /// Property entries: slot in ``Vocabulary/propertyPaths``, tag and payload.
    let propertySlots: [UInt16]
    let propertyTags: [UInt8]
    let propertyValues: [UInt64]
    /// Trait paths kept, by slot (user traits for users, account traits for accounts).
    public let traitPaths: [[String]]
    /// Trait values: `profile * traitPaths.count + slot`.
    let traitTags: [UInt8]
    let traitValues: [UInt64]

    init(
        kind: ProfileKind, ids: [String], hasUserID: [Bool], starts: [Int], times: [Int64], names: [UInt32],
        users: [UInt32], propertyStarts: [UInt32], propertySlots: [UInt16], propertyTags: [UInt8],
        propertyValues: [UInt64], traitPaths: [[String]], traitTags: [UInt8], traitValues: [UInt64]
    ) {
        self.kind = kind
        self.ids = ids
        self.hasUserID = hasUserID
        self.starts = starts
        self.times = times
        self.names = names
        self.users = users
        self.propertyStarts = propertyStarts
        self.propertySlots = propertySlots
        self.propertyTags = propertyTags
        self.propertyValues = propertyValues
        self.traitPaths = traitPaths
        self.traitTags = traitTags
        self.traitValues = traitValues
    }

    /// The number of profiles.
    public var count: Int { ids.count }
    /// The number of events.
    public var eventCount: Int { times.count }

    /// The index of a profile id, or nil.
    public func index(of id: String) -> Int? {
        var low = 0
        var high = ids.count
        while low < high {
            let mid = (low + high) / 2
            let c = Value.compareBytes(ids[mid], id)
            if c == 0 { return mid }
            if c < 0 { low = mid + 1 } else { high = mid }
        }
        return nil
    }

    /// The event index range of a profile.
    @inline(__always) public func events(of profile: Int) -> Range<Int> {
        starts[profile]..<starts[profile + 1]
    }

    /// The time of the profile's first event (first_seen), or nil when it has none.
    @inline(__always) public func firstSeen(_ profile: Int) -> Int64? {
        let range = events(of: profile)
        return range.isEmpty ? nil : times[range.lowerBound]
    }

    /// The time of the profile's last event (last_seen), or nil when it has none.
    @inline(__always) public func lastSeen(_ profile: Int) -> Int64? {
        let range = events(of: profile)
        return range.isEmpty ? nil : times[range.upperBound - 1]
    }

    /// The events of a profile with `low <= time <= high`, by binary search where a bound falls inside
    /// the profile's events (a window reaching back before its first event or up to after its last,
    /// as all-time windows and those ending now usually do, needs none on that side).
    @inline(__always) func events(of profile: Int, from low: Int64, through high: Int64) -> Range<Int> {
        let range = events(of: profile)
        guard low <= high, !range.isEmpty else { return range.lowerBound..<range.lowerBound }
        let a = low <= times[range.lowerBound] ? range.lowerBound : firstIndex(atOrAfter: low, in: range)
        let b =
            high >= times[range.upperBound - 1] ? range.upperBound : firstIndex(after: high, in: a..<range.upperBound)
        return a..<b
    }

    /// The first index in `range` whose time is >= `time`.
    @inline(__always) func firstIndex(atOrAfter time: Int64, in range: Range<Int>) -> Int {
        var low = range.lowerBound
        var high = range.upperBound
        while low < high {
            let mid = (low + high) >> 1
            if times[mid] < time { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// The first index in `range` whose time is > `time`.
    @inline(__always) func firstIndex(after time: Int64, in range: Range<Int>) -> Int {
        var low = range.lowerBound
        var high = range.upperBound
        while low < high {
            let mid = (low + high) >> 1
            if times[mid] <= time { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// The stored tag and payload of a property slot on an event (tag ``StoredValue/absent`` when absent).
    @inline(__always) func property(_ slot: UInt16, of event: Int) -> (tag: UInt8, payload: UInt64) {
        var i = Int(propertyStarts[event])
        let end = Int(propertyStarts[event + 1])
        while i < end {
            if propertySlots[i] == slot { return (propertyTags[i], propertyValues[i]) }
            i += 1
        }
        return (StoredValue.absent, 0)
    }

    /// The stored tag and payload of a trait slot of a profile.
    @inline(__always) func trait(_ slot: Int, of profile: Int) -> (tag: UInt8, payload: UInt64) {
        let i = profile * traitPaths.count + slot
        return (traitTags[i], traitValues[i])
    }

    /// The trait slot of a path, or nil when the traits of this kind do not keep it.
    public func traitSlot(_ path: [String]) -> Int? { traitPaths.firstIndex(of: path) }

    /// Bytes held by the event columns and profile ranges (array capacities).
    public var eventBytes: Int {
        starts.capacity * 8 + times.capacity * 8 + names.capacity * 4 + users.capacity * 4
            + propertyStarts.capacity * 4 + propertySlots.capacity * 2 + propertyTags.capacity
            + propertyValues.capacity * 8
    }

    /// Bytes held by the trait table.
    public var traitBytes: Int { traitTags.capacity + traitValues.capacity * 8 }
}
