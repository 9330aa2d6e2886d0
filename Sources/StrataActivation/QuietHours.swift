import StrataCore
import StrataLanguage

extension Messaging.QuietHours {
    /// When the quiet hours around an instant end in a zone, or nil when the instant is outside them.
    public func end(ifQuietAt instant: Int64, in zone: Zone) -> Int64? {
        let local = instant + zone.offset(at: instant)
        let (day, sinceMidnight) = Instant.floorDivide(local, Instant.day)
        let minute = Int(sinceMidnight / Instant.minute)
        let quiet = start < end ? (minute >= start && minute < end) : (minute >= start || minute < end)
        guard quiet else { return nil }
        // The end falls on the same local day, unless the window spans midnight and we are before it.
        let endDay = start > end && minute >= start ? day + 1 : day
        let wallClock = endDay * Instant.day + Int64(end) * Instant.minute
        // The instant whose local time is that wall-clock time (the offset in force then).
        let guess = wallClock - zone.offset(at: wallClock)
        return wallClock - zone.offset(at: guess)
    }
}
