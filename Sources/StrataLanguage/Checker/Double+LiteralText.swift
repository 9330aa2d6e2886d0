extension Double {
    /// `3` for whole numbers, `0.4` otherwise.
    var literalText: String {
        if self == rounded(), abs(self) < 1e15 { return String(Int64(self)) }
        return String(self)
    }
}
