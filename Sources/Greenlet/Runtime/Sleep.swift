/// Suspends the calling green thread for `seconds` on a libevent timer, letting the
/// others run. Resolution is the hub's clock, about a millisecond.
/// - Throws: `CancellationError` when killed, `TimeoutError` past an enclosing deadline.
public func sleep(seconds: Double) async throws {
    let hub = Hub.mustBeCurrent()
    let deadline = MonotonicClock.deadline(after: seconds)
    try await Waiter.park(on: hub, reason: .sleep, until: Deadline(at: deadline, expiry: .wake)) { _ in }
}

/// Lets every other runnable green thread run before the caller continues
/// (Bluelet's `null()`). Unlike `sleep(seconds: 0)` it does not throw, so a kill is seen
/// at the next throwing wait, or by polling `Task.isCancelled`.
public func yieldNow() async {
    await Task.yield()
}
