/// A min-queue of (instant, cluster root); stale entries are skipped by the reader.
struct DueQueue {
    private var heap: [(instant: Int64, root: String)] = []

    var peek: (instant: Int64, root: String)? { heap.first }

    mutating func push(_ instant: Int64, _ root: String) {
        heap.append((instant, root))
        var i = heap.count - 1
        while i > 0 {
            let up = (i - 1) / 2
            guard heap[i].instant < heap[up].instant else { break }
            heap.swapAt(i, up)
            i = up
        }
    }

    mutating func pop() -> (instant: Int64, root: String)? {
        guard !heap.isEmpty else { return nil }
        heap.swapAt(0, heap.count - 1)
        let top = heap.removeLast()
        var i = 0
        while true {
            let (l, r) = (2 * i + 1, 2 * i + 2)
            var smallest = i
            if l < heap.count, heap[l].instant < heap[smallest].instant { smallest = l }
            if r < heap.count, heap[r].instant < heap[smallest].instant { smallest = r }
            if smallest == i { break }
            heap.swapAt(i, smallest)
            i = smallest
        }
        return top
    }
}
