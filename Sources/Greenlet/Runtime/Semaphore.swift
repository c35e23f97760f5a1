import GreenletLocks

/// A counter of permits: `acquire` takes one, waiting while there are none, `release`
/// gives one back (gevent's `Semaphore`). Safe to share between hubs.
///
/// A released permit goes straight to the green thread that waited longest, so a
/// newcomer never overtakes it; one that is killed or times out while waiting takes none.
public final class Semaphore: WaitSite, Sendable {
    private struct State {
        var permits: Int
        var waiters = WaiterList()
    }

    private let state: Locked<State>
    /// The most permits there may be, for `Lock`; a release beyond it is a bug.
    private let limit: Int
    private let reason: WaitReason

    /// - Parameter value: the permits at the start, at least 0.
    public convenience init(value: Int) {
        precondition(value >= 0, "Semaphore value must be at least 0")
        self.init(value: value, limit: .max, reason: .semaphore)
    }

    init(value: Int, limit: Int, reason: WaitReason) {
        state = Locked(State(permits: value))
        self.limit = limit
        self.reason = reason
    }

    /// The permits free now.
    public var permits: Int { state.withLock { $0.permits } }

    /// Takes a permit, waiting until one is free.
    /// - Throws: `TimeoutError` after `timeout` seconds or past an enclosing
    ///   `withTimeout`, `CancellationError` when killed; no permit is taken then.
    public func acquire(timeout: Double? = nil) async throws {
        try checkCancellation()
        if tryAcquire() { return }
        try await Waiter.park(on: self, reason: reason, until: .timeout(timeout)) { waiter in
            state.withLock { state in
                if state.permits > 0 {
                    state.permits -= 1
                    return .ready
                }
                state.waiters.append(waiter)
                return .parked
            }
        }
    }

    /// Takes a permit if one is free, without waiting.
    public func tryAcquire() -> Bool {
        state.withLock { state in
            guard state.permits > 0 else { return false }
            state.permits -= 1
            return true
        }
    }

    /// Gives a permit back: to the green thread that waited longest, if any.
    public func release() {
        let waiter = state.withLock { state -> Waiter? in
            if let waiter = state.waiters.popFirst() { return waiter }
            precondition(state.permits < limit, "\(reason == .lock ? "Lock.unlock of a lock that is not held" : "Semaphore released more often than acquired")")
            state.permits += 1
            return nil
        }
        waiter?.deliver()
    }

    /// Runs `body` holding a permit, and releases it however `body` ends: returning,
    /// throwing, or killed at a wait inside.
    public func withPermit<T>(timeout: Double? = nil, _ body: () async throws -> T) async throws -> T {
        try await acquire(timeout: timeout)
        defer { release() }
        return try await body()
    }

    func withdraw(_ waiter: Waiter) -> Bool {
        state.withLock { $0.waiters.remove(waiter) }
    }
}
