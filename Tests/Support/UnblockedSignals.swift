import Foundation
import Glibc

/// Runs `body` on a fresh thread with no signal blocked, and waits for it. A child process
/// inherits its spawning thread's signal mask, and the threads tests run on (and hubs and
/// workers started from them) block SIGTERM and more: a `redis-server` spawned from one
/// ignores the SIGTERM of `RedisServer.restart`, so `RedisServer` spawns through here.
/// - Throws: what `body` throws, or `UnblockedSignalsTimeout` when it runs past `seconds`.
public func withSignalsUnblocked<T: Sendable>(within seconds: Double = 30, _ body: @escaping @Sendable () throws -> T) throws -> T {
    let outcome = UncheckedBox<Result<T, any Error>?>(nil)
    let done = DispatchSemaphore(value: 0)
    let thread = Thread {
        var nothing = sigset_t()
        sigemptyset(&nothing)
        pthread_sigmask(SIG_SETMASK, &nothing, nil)
        outcome.value = Result { try body() }
        done.signal()
    }
    thread.start()
    guard done.wait(timeout: .now() + seconds) == .success, let result = outcome.value else {
        throw UnblockedSignalsTimeout(seconds: seconds)
    }
    return try result.get()
}

public struct UnblockedSignalsTimeout: Error, CustomStringConvertible {
    public let seconds: Double
    public var description: String { "still running after \(seconds) s" }
}
