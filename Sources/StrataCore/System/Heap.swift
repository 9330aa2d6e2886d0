#if canImport(Glibc)
    import Glibc
#endif

/// The C library's heap: how much freed memory it keeps. Its tuning functions are declared in
/// malloc.h, which Swift's Glibc module leaves out, so they are looked up by name; elsewhere (or if
/// they are missing) these do nothing.
public enum Heap {
    /// Keeps the memory of freed blocks for the next ones: blocks up to 256 MB come from the heap and
    /// up to 1 GB of free heap is kept. For an import, which allocates and frees batches of megabytes
    /// that the library would otherwise map and unmap (or trim) each time, fresh pages zeroed by the
    /// kernel each time: measured, about 7% of an import's time.
    public static func keepFreedMemory() {
        #if canImport(Glibc)
            typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
            let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
            _ = mallopt(-3, 256 << 20)  // M_MMAP_THRESHOLD
            _ = mallopt(-1, 1 << 30)  // M_TRIM_THRESHOLD
        #endif
    }

    /// Gives the free pages of every arena back to the system. A long-running server calls it now and
    /// then: each thread's arena keeps what its thread freed (an engine snapshot, a batch of
    /// deliveries), and over minutes that grows by hundreds of megabytes no one uses.
    public static func returnFreedMemory() {
        #if canImport(Glibc)
            typealias MallocTrim = @convention(c) (Int) -> Int32
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return }
            _ = unsafeBitCast(symbol, to: MallocTrim.self)(0)
        #endif
    }
}
