import CLibevent
import Foundation
@testable import Greenlet

/// Runs `body` as the root green thread of a fresh hub on an OS thread of its own, so
/// that a test never holds one of the few cooperative-pool threads while the hub runs.
func onHub<T: Sendable>(_ body: sending @escaping () async throws -> T) async throws -> T {
    let work = UncheckedBox(body)
    return try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            do {
                continuation.resume(returning: try Hub.run(work.value))
            } catch {
                continuation.resume(throwing: error)
            }
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
