import StrataCore

/// Memberships as intervals, from the enters and exits of one segment: sizes over time and how long
/// profiles stay.
public enum Stays {
    /// A stay: from an enter to the next exit, or still open.
    public struct Stay: Sendable, Equatable {
        /// The profile.
        public var profile: String
        /// The enter's instant.
        public var entered: Int64
        /// The exit's instant, nil while open.
        public var exited: Int64?
    }

    /// The stays of changes (of one segment, in recorded order): an enter opens one, the next exit of the
    /// same profile closes it; an exit without an open stay (its enter precedes the log) is left out.
    public static func stays(_ changes: [MembershipChange]) -> [Stay] {
        var open: [String: Int] = [:]
        var stays: [Stay] = []
        for change in changes {
            if change.entered {
                guard open[change.profile] == nil else { continue }
                open[change.profile] = stays.count
                stays.append(Stay(profile: change.profile, entered: change.instant, exited: nil))
            } else if let index = open.removeValue(forKey: change.profile) {
                stays[index].exited = change.instant
            }
        }
        return stays
    }

    /// The durations of stays as of an instant: closed ones ended, open ones still running (censored);
    /// stays entered after the instant are left out.
    public static func durations(_ stays: [Stay], asOf: Int64) -> [(duration: Int64, ended: Bool)] {
        stays.compactMap { stay in
            guard stay.entered <= asOf else { return nil }
            if let exited = stay.exited, exited <= asOf { return (exited - stay.entered, true) }
            return (asOf - stay.entered, false)
        }
    }

    /// One instant of a size series: members then, and enters and exits since the previous instant.
    public struct Size: Sendable, Equatable {
        /// The instant.
        public var instant: Int64
        /// Members at it.
        public var size: Int
        /// Enters in (previous instant, instant].
        public var entered: Int
        /// Exits in (previous instant, instant].
        public var exited: Int
    }

    /// Sizes at instants (ascending) from changes of one segment in recorded order, all from the
    /// segment's first recorded change on (the log knows nothing before).
    public static func sizes(_ changes: [MembershipChange], at instants: [Int64]) -> [Size] {
        var members = Set<String>()
        var next = changes.startIndex
        var sizes: [Size] = []
        for instant in instants {
            var size = Size(instant: instant, size: 0, entered: 0, exited: 0)
            while next < changes.endIndex, changes[next].instant <= instant {
                let change = changes[next]
                if change.entered {
                    if members.insert(change.profile).inserted { size.entered += 1 }
                } else if members.remove(change.profile) != nil {
                    size.exited += 1
                }
                next += 1
            }
            size.size = members.count
            sizes.append(size)
        }
        // The first instant's enters and exits are everything before it: not "since the previous".
        if !sizes.isEmpty {
            sizes[0].entered = 0
            sizes[0].exited = 0
        }
        return sizes
    }
}
