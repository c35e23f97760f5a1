// The one way a green thread waits.
//
// `Waiter.park` suspends the calling green thread and hands a `Waiter` to whatever will
// wake it: an fd's reader or writer slot, a `ParkingLot`, a worker thread's result.
// Three sources may try to finish a wait — the thing waited for, the deadline's timer,
// and a kill — and the first one wins: every path goes through `finish`, which takes the
// continuation, so a green thread is resumed exactly once. All of this happens on the
// hub thread; a kill from another thread is handed to the hub first.

import CLibevent
import Glibc

/// Where a parked `Waiter` is enrolled, so a timeout or a kill can take it back out.
protocol WaitSite: AnyObject {
    func withdraw(_ waiter: Waiter)
}

/// What a waiter's timer means when it fires.
enum Expiry {
    /// The wait itself is a sleep: the timer ends it normally.
    case wake
    /// The wait has a deadline: the timer ends it with this error.
    case fail(any Error)
}

final class Waiter: @unchecked Sendable {
    unowned(unsafe) let hub: Hub
    @exclusivity(unchecked) private var continuation: UnsafeContinuation<Void, any Error>?
    /// The structure the waiter is enrolled in, cleared once it is woken.
    @exclusivity(unchecked) var site: (any WaitSite)?
    @exclusivity(unchecked) private var timer: OpaquePointer?
    /// The green thread parked here, which a kill reaches through `AnyGreenThread.kill`.
    @exclusivity(unchecked) private var thread: AnyGreenThread?
    /// The next waiter of the same green thread (its children in a task group share it).
    @exclusivity(unchecked) var nextOfThread: Waiter?
    /// Counts the waits this (recycled) waiter has served, so that a late wake-up meant
    /// for an earlier wait is recognised and dropped.
    @exclusivity(unchecked) private(set) var generation: UInt64 = 0
    private var expiry = Expiry.wake
    /// What the green thread waits for, for diagnostics.
    @exclusivity(unchecked) var reason: WaitReason

    init(hub: Hub, reason: WaitReason) {
        self.hub = hub
        self.reason = reason
    }

    var isParked: Bool { continuation != nil }

    /// Suspends the calling green thread until the waiter is woken, its deadline passes or
    /// the green thread is killed.
    ///
    /// - Parameters:
    ///   - deadline: when to give up, with what the timer means (`.wake` for a sleep);
    ///     combined with any enclosing `withTimeout`, whichever comes first.
    ///   - enroll: called on the hub thread with the waiter once the continuation is in
    ///     place; it stores the waiter wherever the wake-up will come from.
    /// - Throws: `CancellationError` when killed, the deadline's error, or whatever the
    ///   waker passes to `fail`.
    @inline(__always)
    static func park(
        on hub: Hub,
        reason: WaitReason,
        until deadline: (at: UInt64, expiry: Expiry)? = nil,
        enroll: (Waiter) -> Void
    ) async throws {
        let context = WaitContext.current
        let thread = context?.thread
        // A kill that came before the park must not be slept through.
        if let thread, thread.isKilled { throw CancellationError() }
        var effective = deadline
        if let scoped = context?.deadline, effective == nil || scoped.at < effective!.at {
            effective = (scoped.at, .fail(TimeoutError(seconds: scoped.seconds)))
        }
        let waiter = hub.makeWaiter(reason)
        defer { hub.recycle(waiter) }
        // Kills reach the waiter through its green thread, not through a Swift
        // cancellation handler: registering one costs two task-status locks per wait.
        try await _unsafeInheritExecutor_withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Void, any Error>) in
            hub.assertOnHub("park")
            waiter.continuation = continuation
            waiter.thread = thread
            thread?.parked(waiter)
            enroll(waiter)
            if let (at, expiry) = effective, waiter.isParked {
                waiter.arm(at: at, expiry: expiry)
            }
        }
    }

    /// Ends the wait normally. A waker that took the waiter out of its site says so, which
    /// spares the site a search for it.
    func wake(withdrawn: Bool = false) {
        if withdrawn { site = nil }
        guard let continuation = take() else { return }
        continuation.resume()
    }

    /// Ends the wait with `error`, withdrawing the waiter from its site first.
    func fail(_ error: any Error) {
        guard let continuation = take() else { return }
        continuation.resume(throwing: error)
    }

    private func take() -> UnsafeContinuation<Void, any Error>? {
        hub.assertOnHub("waiter")
        guard let continuation else { return nil }
        self.continuation = nil
        generation &+= 1
        if let site {
            self.site = nil
            site.withdraw(self)
        }
        if let timer {
            event_free(timer)  // event_free deletes a pending event first
            self.timer = nil
        }
        if let thread {
            self.thread = nil
            thread.unparked(self)
        }
        return continuation
    }

    private func arm(at deadline: UInt64, expiry: Expiry) {
        let now = MonotonicClock.now()
        guard deadline > now else {
            fire(expiry)
            return
        }
        self.expiry = expiry
        let me = Unmanaged.passUnretained(self).toOpaque()
        timer = event_new(hub.base, -1, 0, { _, _, arg in
            let waiter = Unmanaged<Waiter>.fromOpaque(arg!).takeUnretainedValue()
            waiter.fire(waiter.expiry)
        }, me)
        var tv = MonotonicClock.timeval(nanoseconds: deadline - now)
        event_add(timer, &tv)
    }

    private func fire(_ expiry: Expiry) {
        switch expiry {
        case .wake: wake()
        case .fail(let error): fail(error)
        }
    }
}

/// What a parked green thread is waiting for.
enum WaitReason: Sendable {
    case read(fd: Int32)
    case write(fd: Int32)
    case connect(fd: Int32)
    case accept(fd: Int32)
    case sleep
    case join
    case blocking
    case parkingLot
}
