/// The instant a `first` / `relative` window counts from.
public indirect enum WindowAnchor: Sendable, Equatable {
    /// The profile's first track, page or screen event (missing when there is none).
    case firstSeen
    /// The time of the first event matching the selector (at or before now; missing when none).
    case firstEvent(EventSelector)
}
