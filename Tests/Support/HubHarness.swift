import Foundation
import Greenlet
import GreenletTools
import GreenletTLS

/// Runs `body` as the root green thread of a fresh hub on an OS thread of its own, so
/// that a test never holds one of the few cooperative-pool threads while the hub runs,
/// and a blocking dialer's calls block that thread alone.
public func onHub<T: Sendable>(_ body: sending @escaping () async throws -> T) async throws -> T {
    await hubSlots.acquire()
    do {
        let value = try await runOnThread(body)
        await hubSlots.release()
        return value
    } catch {
        await hubSlots.release()
        throw error
    }
}

/// Runs `body` on a hub of its own next to a fresh `Origin` on 127.0.0.1, which is
/// stopped when `body` ends.
public func withOrigin<T: Sendable>(tls: TLSContext? = nil, _ body: sending @escaping (Origin) async throws -> T) async throws -> T {
    try await onHub {
        let origin = try Origin.start(tls: tls)
        defer { origin.stop() }
        return try await body(origin)
    }
}

private func runOnThread<T: Sendable>(_ body: sending @escaping () async throws -> T) async throws -> T {
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

/// At most two hubs run at once: the machine has two cores, and a test that measures a
/// timeout must not wait for CPU behind thirty 5 MiB transfers.
private let hubSlots = Slots(2)

private actor Slots {
    private var free: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(_ count: Int) { free = count }

    func acquire() async {
        if free > 0 {
            free -= 1
        } else {
            await withCheckedContinuation { waiting.append($0) }
        }
    }

    func release() {
        if waiting.isEmpty { free += 1 } else { waiting.removeFirst().resume() }
    }
}

/// Moves a value the compiler cannot prove safe across a thread boundary that the test
/// itself makes safe (the value is handed over once).
public final class UncheckedBox<Value>: @unchecked Sendable {
    public var value: Value
    public init(_ value: Value) { self.value = value }
}

/// Seconds on `MonotonicClock` since `start`.
public func seconds(since start: UInt64) -> Double {
    Double(MonotonicClock.now() - start) / 1e9
}
