/// Which calendar period a `.calendar` window covers.
public enum CalendarRelation: String, Sendable, Hashable {
    /// `this`: start of the period containing now <= t <= now.
    case this
    /// `previous`: start of the previous period <= t < start of the current one.
    case previous
}
