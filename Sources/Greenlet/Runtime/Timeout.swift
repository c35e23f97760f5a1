/// Thrown by `withTimeout` when its time runs out.
public struct TimeoutError: Error, Equatable, CustomStringConvertible {
    /// The timeout that expired, in seconds.
    public let seconds: Double

    public var description: String { "timed out after \(seconds) s" }
}

/// The innermost deadline set by `withTimeout`; every park honours it.
@usableFromInline
struct TimeoutScope: Sendable {
    let at: UInt64
    let seconds: Double
}

/// Runs `body`, giving up when `seconds` have passed: the wait in progress then throws
/// `TimeoutError`, the body's cleanup runs as the error unwinds it, and `withTimeout`
/// rethrows it. Like `gevent.Timeout`, the deadline reaches every wait inside `body`,
/// including nested calls; an enclosing, earlier deadline still applies.
///
/// A body that never waits is not interrupted: green threads are cooperative.
/// - Throws: `TimeoutError`, or whatever `body` throws.
public func withTimeout<T>(
    seconds: Double,
    _ body: () async throws -> T
) async throws -> T {
    let at = MonotonicClock.deadline(after: seconds)
    let context = WaitContext.current
    if let outer = context.deadline, outer.at <= at {
        return try await body()
    }
    let scoped = WaitContext(thread: context.thread, deadline: TimeoutScope(at: at, seconds: seconds))
    return try await WaitContext.$current.withValue(scoped) {
        try await body()
    }
}
