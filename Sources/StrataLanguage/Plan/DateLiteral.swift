import StrataCore

/// A calendar date as written in a definition (`2026-11-01`), with no time zone: the engine reads it
/// as midnight in the workspace timezone.
public typealias DateLiteral = CivilDate
