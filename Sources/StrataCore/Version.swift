/// Strata's version, as `strata --version` prints it and clients see it (webhook User-Agent).
public enum StrataVersion {
    /// The version: major.minor.patch.
    public static let current = "0.7.0"
}
