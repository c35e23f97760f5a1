import Foundation

/// A bounded pool of OS threads for work that would block a hub: `getaddrinfo`, disk
/// I/O, CPU-heavy computations. Threads start on demand up to `maxThreads` and stay.
final class WorkerPool: @unchecked Sendable {
    static let shared = WorkerPool(maxThreads: 16)

    private let condition = NSCondition()
    private var queue: [() -> Void] = []
    private var idle = 0
    private var threads = 0
    private let maxThreads: Int

    init(maxThreads: Int) {
        self.maxThreads = maxThreads
    }

    /// Queues `work`; it runs on a worker thread as soon as one is free.
    func submit(_ work: @escaping @Sendable () -> Void) {
        condition.lock()
        queue.append(work)
        // Idle workers only count down once they wake: compare with what is queued, so a
        // burst of submissions starts the threads it needs.
        let startThread = queue.count > idle && threads < maxThreads
        if startThread { threads += 1 }
        condition.signal()
        condition.unlock()
        if startThread {
            let thread = Thread { [self] in workLoop() }
            thread.name = "greenlet-worker"
            thread.start()
        }
    }

    private func workLoop() {
        while true {
            condition.lock()
            while queue.isEmpty {
                idle += 1
                condition.wait()
                idle -= 1
            }
            let work = queue.removeFirst()
            condition.unlock()
            work()
        }
    }
}
