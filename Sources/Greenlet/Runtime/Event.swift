import GreenletLocks

/// A flag green threads wait on until it is set (gevent's `Event`).
///
/// Safe to share between hubs: `set` wakes waiters on any hub.
public final class Event: WaitSite, Sendable {
    private struct State {
        var isSet = false
        var waiters = WaiterList()
    }

    private let state = Locked(State())

    public init() {}

    public var isSet: Bool { state.withLock { $0.isSet } }

    /// Sets the flag and wakes every waiting green thread, in the order they came.
    public func set() {
        let woken = state.withLock { state in
            state.isSet = true
            return state.waiters.removeAll()
        }
        for waiter in woken { waiter.deliver() }
    }

    /// Clears the flag: later waits park again.
    public func clear() {
        state.withLock { $0.isSet = false }
    }

    /// Returns once the flag is set, at once when it already is.
    /// - Throws: `TimeoutError` after `timeout` seconds or past an enclosing
    ///   `withTimeout`, `CancellationError` when killed.
    public func wait(timeout: Double? = nil) async throws {
        try checkCancellation()
        if isSet { return }
        try await Waiter.park(on: self, reason: .event, until: .timeout(timeout)) { waiter in
            state.withLock { state in
                if state.isSet { return .ready }
                state.waiters.append(waiter)
                return .parked
            }
        }
    }

    func withdraw(_ waiter: Waiter) -> Bool {
        state.withLock { $0.waiters.remove(waiter) }
    }
}
