/// Mutual exclusion between green threads, held across waits (gevent's `Lock`): a
/// semaphore of one permit. Not reentrant, and not tied to the green thread that took it.
///
/// Green threads of one hub never run at the same time, so code without a wait inside
/// needs no lock; a `Lock` is for sections that wait (a request and its reply on one
/// shared connection, say). Safe to share between hubs.
public final class Lock: Sendable {
    private let semaphore = Semaphore(value: 1, limit: 1, reason: .lock)

    public init() {}

    public var isLocked: Bool { semaphore.permits == 0 }

    /// Takes the lock, waiting while another green thread holds it; first come, first served.
    /// - Throws: `TimeoutError` after `timeout` seconds or past an enclosing
    ///   `withTimeout`, `CancellationError` when killed; the lock is not taken then.
    public func lock(timeout: Double? = nil) async throws {
        try await semaphore.acquire(timeout: timeout)
    }

    /// Takes the lock if it is free, without waiting.
    public func tryLock() -> Bool {
        semaphore.tryAcquire()
    }

    /// Releases the lock; releasing a lock that is not held is a programming error.
    public func unlock() {
        semaphore.release()
    }

    /// Runs `body` holding the lock, and releases it however `body` ends: returning,
    /// throwing, or killed at a wait inside.
    public func withLock<T>(timeout: Double? = nil, _ body: () async throws -> T) async throws -> T {
        try await semaphore.withPermit(timeout: timeout, body)
    }
}
