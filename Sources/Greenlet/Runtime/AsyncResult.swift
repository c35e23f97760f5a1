import GreenletLocks

/// A value or an error that arrives once, for any number of green threads to wait on
/// (gevent's `AsyncResult`, a one-shot future). Safe to share between hubs.
public final class AsyncResult<Value: Sendable>: WaitSite, Sendable {
    private struct State {
        var result: Result<Value, any Error>?
        var waiters = WaiterList()
    }

    private let state = Locked(State())

    public init() {}

    /// The outcome, once there is one.
    public var result: Result<Value, any Error>? { state.withLock { $0.result } }

    /// Sets the value and wakes every waiter. The first outcome stays: returns false,
    /// changing nothing, when there is one already.
    @discardableResult
    public func succeed(_ value: Value) -> Bool {
        complete(.success(value))
    }

    /// Sets the error every waiter then throws; like `succeed`, only once.
    @discardableResult
    public func fail(_ error: any Error) -> Bool {
        complete(.failure(error))
    }

    /// Returns the value, or throws the error, once there is one.
    /// - Throws: the error set; `TimeoutError` after `timeout` seconds or past an
    ///   enclosing `withTimeout`; `CancellationError` when killed.
    public func wait(timeout: Double? = nil) async throws -> Value {
        try checkCancellation()
        if let result { return try result.get() }
        try await Waiter.park(on: self, reason: .asyncResult, until: .timeout(timeout)) { waiter in
            state.withLock { state in
                if state.result != nil { return .ready }
                state.waiters.append(waiter)
                return .parked
            }
        }
        return try result!.get()
    }

    private func complete(_ outcome: Result<Value, any Error>) -> Bool {
        let woken = state.withLock { state -> [Waiter]? in
            guard state.result == nil else { return nil }
            state.result = outcome
            return state.waiters.removeAll()
        }
        guard let woken else { return false }
        for waiter in woken { waiter.deliver() }
        return true
    }

    func withdraw(_ waiter: Waiter) -> Bool {
        state.withLock { $0.waiters.remove(waiter) }
    }
}
