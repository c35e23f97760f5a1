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

/// Runs `body`, giving up when `seconds` have passed (gevent's `Timeout`), and throws
/// `TimeoutError` then.
///
/// The deadline reaches every wait inside `body`, including nested calls. greenlet's own
/// waits throw `TimeoutError` at it; and since `body` runs as a child task, which is
/// cancelled at the deadline, any other cancellation-aware code ends too (`Task.sleep`,
/// an `AsyncStream`, a task group, another library's awaits). Once the deadline has passed
/// before `body` ended, `withTimeout` throws `TimeoutError` however `body` then ends; a
/// kill meanwhile stays a `CancellationError`. Nested, the earlier deadline wins, and the
/// `withTimeout` whose time ran out is the one whose seconds the error carries.
///
/// A body that never waits is not interrupted: green threads are cooperative.
/// - Throws: `TimeoutError`, or whatever `body` throws; `CancellationError` when killed.
public func withTimeout<T>(
    seconds: Double,
    _ body: () async throws -> T
) async throws -> T {
    let at = MonotonicClock.deadline(after: seconds)
    let context = WaitContext.current
    if let outer = context.deadline, outer.at <= at {
        // The enclosing deadline comes first, and cancels this body with its own.
        return try await body()
    }
    let scope = TimeoutScope(at: at, seconds: seconds)
    let scoped = WaitContext(thread: context.thread, deadline: scope)
    return try await WaitContext.$current.withValue(scoped) {
        try await runCancellingAtDeadline(body, scope: scope, thread: context.thread)
    }
}

/// Runs `body` as a child task (which stays on the hub: children inherit the executor
/// preference), and waits for it until the deadline; then cancels it and waits for it to
/// end. A child, because Swift cancellation cannot be taken back: cancelling the caller's
/// own task would cancel everything it does after `withTimeout` too.
private func runCancellingAtDeadline<T>(
    _ body: () async throws -> T, scope: TimeoutScope, thread: AnyGreenThread?
) async throws -> T {
    let hub = Hub.mustBeCurrent()
    let outcome = TimedOutcome<T>()
    // Typed `nonisolated(nonsending)`: as a plain literal, `withoutActuallyEscaping`'s
    // async closure is taken as concurrent, and `body` may not go into it.
    let runInChild: nonisolated(nonsending) (@escaping () async throws -> T) async throws -> Bool = { body in
        // Handed over through the outcome, which the compiler takes on trust: the child
        // runs on this hub while this task waits for it, so nothing crosses threads.
        outcome.body = body
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await outcome.run() }
            do {
                try await outcome.wait(on: hub, until: Deadline(at: scope.at, expiry: .timeout(seconds: scope.seconds)))
                return false
            } catch is TimeoutError {
                group.cancelAll()
                try await group.waitForAll()
                return true
            }
        }
    }
    let expired = try await withoutActuallyEscaping(body, do: runInChild)
    guard let result = outcome.result else { preconditionFailure("withTimeout's body ended without a result") }
    if expired, !(thread?.isKilled ?? false) {
        throw TimeoutError(seconds: scope.seconds)
    }
    return try result.get()
}

/// The result of a `withTimeout` body, and the caller parked until it comes. Hub-local:
/// the body and its caller run on one hub, so it needs no lock.
private final class TimedOutcome<T>: WaitSite, @unchecked Sendable {
    /// Set for the child task to run, and cleared when it is done: it escapes no further.
    var body: (() async throws -> T)?
    private(set) var result: Result<T, any Error>?
    private var caller: Waiter?

    /// Runs the body (in the child task) and wakes the caller with its result.
    func run() async {
        let result: Result<T, any Error>
        do {
            result = .success(try await body!())
        } catch {
            result = .failure(error)
        }
        body = nil
        self.result = result
        if let caller {
            self.caller = nil
            caller.wake()
        }
    }

    /// Returns once the result is in.
    /// - Throws: `TimeoutError` at `deadline`, `CancellationError` when killed.
    func wait(on hub: Hub, until deadline: Deadline) async throws {
        guard case .none = result else { return }
        try await Waiter.park(on: hub, reason: .timeoutBody, until: deadline) { waiter in
            waiter.site = self
            caller = waiter
        }
    }

    func withdraw(_ waiter: Waiter) -> Bool {
        if caller === waiter { caller = nil }
        return true
    }
}
