import Glibc

/// A value that threads share, reached only through `withLock`, behind a pthread mutex.
///
/// Not `Synchronization.Mutex`, for two measured reasons. On Linux a contended `Mutex`
/// hands itself over through PI futexes inside the kernel, where ThreadSanitizer cannot see
/// it, so every contended critical section looked like a data race, and a clean sanitizer
/// run proved nothing; TSan intercepts `pthread_mutex_lock`. And uncontended, in a process
/// with more than one thread, a lock and unlock cost 19 ns here against `Mutex`'s 48 ns.
///
/// Copies share the one lock and value, so a `let` of it in a class is the usual home.
public struct Locked<State>: @unchecked Sendable {
    @usableFromInline let storage: Storage

    public init(_ initial: State) {
        storage = Storage.create(minimumCapacity: 1) { _ in initial } as! Storage
        storage.withUnsafeMutablePointerToElements { mutex in
            let rc = pthread_mutex_init(mutex, nil)
            precondition(rc == 0, "pthread_mutex_init: \(rc)")
        }
    }

    /// Runs `body` with the value, holding the lock; no other thread's `withLock` on this
    /// value runs meanwhile. `body` must not call `withLock` on the same value again
    /// (the lock is not recursive) nor suspend.
    @inlinable @inline(__always)
    public func withLock<Result, Failure: Error>(_ body: (inout State) throws(Failure) -> Result) throws(Failure) -> Result {
        try storage.withUnsafeMutablePointers { (state, mutex) throws(Failure) -> Result in
            pthread_mutex_lock(mutex)
            defer { pthread_mutex_unlock(mutex) }
            return try body(&state.pointee)
        }
    }

    /// The value and its mutex in one allocation.
    @usableFromInline
    final class Storage: ManagedBuffer<State, pthread_mutex_t> {
        deinit {
            _ = withUnsafeMutablePointerToElements { pthread_mutex_destroy($0) }
        }
    }
}
