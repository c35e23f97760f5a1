import Foundation
import GreenletLocks
@testable import Greenlet

/// Runs `body` as the root green thread of a fresh hub on an OS thread of its own, so
/// that a test never holds one of the few cooperative-pool threads while the hub runs.
///
/// With `report`, the hub's diagnostics go there instead of stderr, and a watchdog with
/// `watchdogMilliseconds` can be asked for.
func onHub<T: Sendable>(
    watchdogMilliseconds: UInt64? = nil,
    report: (@Sendable (String) -> Void)? = nil,
    _ body: sending @escaping () async throws -> T
) async throws -> T {
    let work = UncheckedBox(body)
    return try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            do {
                let value = if let report {
                    try Hub.run(watchdogThreshold: watchdogMilliseconds.map { $0 * 1_000_000 }, report: report, work.value)
                } else {
                    try Hub.run(work.value)
                }
                continuation.resume(returning: value)
            } catch {
                continuation.resume(throwing: error)
            }
        }
        thread.stackSize = 4 << 20
        thread.start()
    }
}

/// Runs `first` and `second` on two fresh hubs at once, each on an OS thread of its own,
/// both started before this returns to the test pool: for tests where the green threads
/// of one hub wait for those of the other. Two `async let onHub` would start the second
/// hub only when the pool has a thread free, which a busy suite (sanitizer builds, two
/// cores) can withhold for longer than the first hub waits.
func onHubs<A: Sendable, B: Sendable>(
    _ first: sending @escaping () async throws -> A,
    _ second: sending @escaping () async throws -> B
) async throws -> (A, B) {
    let work = UncheckedBox((first, second))
    let results = Locked<(Result<A, any Error>?, Result<B, any Error>?)>((nil, nil))
    return try await withCheckedThrowingContinuation { continuation in
        // The hub that ends last hands both results over.
        @Sendable func finish(_ store: (inout (Result<A, any Error>?, Result<B, any Error>?)) -> Void) {
            let both = results.withLock { results -> (Result<A, any Error>, Result<B, any Error>)? in
                store(&results)
                guard let a = results.0, let b = results.1 else { return nil }
                return (a, b)
            }
            guard let (a, b) = both else { return }
            continuation.resume(with: Result { (try a.get(), try b.get()) })
        }
        let threads = [
            Thread { let a = Result { try Hub.run(work.value.0) }; finish { $0.0 = a } },
            Thread { let b = Result { try Hub.run(work.value.1) }; finish { $0.1 = b } },
        ]
        for thread in threads {
            thread.stackSize = 4 << 20
            thread.start()
        }
    }
}

/// How long `Hub.run` takes on a thread of its own, for `body` as its root: timed on that
/// thread, so a busy test pool (which the awaiting test needs to resume) cannot stretch it.
func secondsOfHubRun(_ body: sending @escaping () async throws -> Void) async throws -> Double {
    let work = UncheckedBox(body)
    return try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            let start = DispatchTime.now().uptimeNanoseconds
            continuation.resume(with: Result {
                try Hub.run(work.value)
                return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            })
        }
        thread.stackSize = 4 << 20
        thread.start()
    }
}

/// Moves a value the compiler cannot prove safe across a thread boundary that the test
/// itself makes safe (the value is handed over once).
final class UncheckedBox<Value>: @unchecked Sendable {
    var value: Value
    init(_ value: Value) { self.value = value }
}

/// Lines a hub reports, collected from whichever thread reports them.
final class ReportLog: Sendable {
    private let lines = Locked<[String]>([])

    var all: [String] { lines.withLock { $0 } }

    func append(_ line: String) {
        lines.withLock { $0.append(line) }
    }
}

/// Mutable state shared by green threads of one hub, which all run on one thread.
final class Shared<Value>: @unchecked Sendable {
    var value: Value
    init(_ value: Value) { self.value = value }
}

/// The calling OS thread, to check that green-thread code runs on its hub's thread.
func currentThread() -> pthread_t { pthread_self() }

/// Elapsed seconds of `body`.
func measure(_ body: () async throws -> Void) async rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try await body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

/// A connected pair over loopback: (client, server side).
func connectedPair() async throws -> (Connection, Connection) {
    let listener = try Listener(host: "127.0.0.1", port: 0)
    let accepting = spawn { try await listener.accept() }
    let client = try await Connection.connect(host: "127.0.0.1", port: listener.localAddress.port)
    let server = try await accepting.value
    listener.close()
    return (client, server)
}
