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
        mallopt(-3, 256 << 20)  // M_MMAP_THRESHOLD
        mallopt(-1, 1 << 30)  // M_TRIM_THRESHOLD
    }

    /// Has the threads allocate from two arenas between them instead of one each (the library makes up
    /// to eight a core). In a server, threads free blocks other threads allocated, and each arena is
    /// left with pages partly in use that no trim gives back: in the activation soak, with an arena
    /// a thread, resident memory rose 23% over the second five minutes while the memory in use rose by
    /// what the engine held; with two arenas, 6%, the engine's part. Called before the server starts
    /// its threads.
    public static func shareArenas() {
        mallopt(-8, 2)  // M_ARENA_MAX
    }

    /// Sets one of the library's heap parameters, if it has `mallopt`.
    private static func mallopt(_ parameter: Int32, _ value: Int32) {
        #if canImport(Glibc)
            typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
            _ = unsafeBitCast(symbol, to: Mallopt.self)(parameter, value)
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
