/// How a store's commits reach the disk.
public enum Durability: Sendable {
    /// Every commit is on disk when it returns: for acknowledging clients.
    case full
    /// Commits survive a crash of the program but not of the machine: for bulk imports, which are
    /// idempotent and can be re-run.
    case bulk
}
