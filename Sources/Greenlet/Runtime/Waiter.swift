// The one way a green thread waits.
//
// `Waiter.park` suspends the calling green thread and hands a `Waiter` to whatever will
// wake it: an fd's reader or writer slot, a `ParkingLot`, a worker thread's result.
// Three sources may try to finish a wait — the thing waited for, the deadline's timer,
// and a kill — and the first one wins: every path goes through `take`, which takes the
// continuation, so a green thread is resumed exactly once. All of this happens on the
// hub thread; a kill from another thread is handed to the hub first.

import CLibevent
import Glibc

/// Where a parked `Waiter` is enrolled, so a timeout or a kill can take it back out.
protocol WaitSite: AnyObject {
    func withdraw(_ waiter: Waiter)
}

/// When a wait ends by itself, and what that means. Plain values, so that passing a
/// deadline around costs no reference counting.
struct Deadline {
    let at: UInt64
    let expiry: Expiry
}

enum Expiry: Equatable {
    /// The wait itself is a sleep: the timer ends it normally.
    case wake
    /// An enclosing `withTimeout(seconds:)` ran out: `TimeoutError`.
    case timeout(seconds: Double)
    /// A connect's own timeout ran out: `NetworkError.timedOut`.
    case connectTimedOut
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
        until deadline: Deadline? = nil,
        enroll: (Waiter) -> Void
    ) async throws {
        let context = WaitContext.current
        let thread = context.thread
        // A kill or a cancellation that came before the park must not be slept through.
        if let thread, thread.isKilled { throw CancellationError() }
        if Task.isCancelled { throw CancellationError() }
        // Whichever comes first: the call's own deadline or an enclosing `withTimeout`.
        let effective: Deadline?
        if let scoped = context.deadline, deadline == nil || scoped.at < deadline!.at {
            effective = Deadline(at: scoped.at, expiry: .timeout(seconds: scoped.seconds))
        } else {
            effective = deadline
        }
        let waiter = hub.makeWaiter(reason)
        defer { hub.recycle(waiter) }
        let isChild = thread.map { !$0.isRunningOwnTask } ?? false
        func begin(_ continuation: UnsafeContinuation<Void, any Error>) {
            hub.assertOnHub("park")
            waiter.continuation = continuation
            waiter.thread = thread
            thread?.parked(waiter)
            enroll(waiter)
            if isChild && Task.isCancelled {
                waiter.fail(CancellationError())  // cancelled before its handler was in place
            } else if let effective, waiter.isParked {
                waiter.arm(effective)
            }
        }
        // A green thread's own task is killed through its record, not through a Swift
        // cancellation handler: registering one costs two task-status locks per wait.
        // Its structured children (task groups, async let) can also be cancelled by
        // Swift itself, when a sibling fails or their scope ends, so they pay for one.
        guard isChild else {
            try await _unsafeInheritExecutor_withUnsafeThrowingContinuation(begin)
            return
        }
        let generation = waiter.generation
        try await withTaskCancellationHandler {
            try await _unsafeInheritExecutor_withUnsafeThrowingContinuation(begin)
        } onCancel: {
            hub.execute {
                if waiter.generation == generation { waiter.fail(CancellationError()) }
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

    private func arm(_ deadline: Deadline) {
        let (at, expiry) = (deadline.at, deadline.expiry)
        let now = MonotonicClock.now()
        // A deadline already past fails at once; a sleep that is already over still goes
        // through the loop, so `sleep(seconds: 0)` lets the others run, as in gevent.
        if at <= now, expiry != .wake {
            fire(expiry)
            return
        }
        self.expiry = expiry
        let me = Unmanaged.passUnretained(self).toOpaque()
        timer = event_new(hub.base, -1, 0, { _, _, arg in
            let waiter = Unmanaged<Waiter>.fromOpaque(arg!).takeUnretainedValue()
            waiter.fire(waiter.expiry)
        }, me)
        var tv = MonotonicClock.timeval(nanoseconds: at > now ? at - now : 0)
        event_add(timer, &tv)
    }

    private func fire(_ expiry: Expiry) {
        switch expiry {
        case .wake: wake()
        case .timeout(let seconds): fail(TimeoutError(seconds: seconds))
        case .connectTimedOut: fail(NetworkError.timedOut)
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
    case blocking
    case parkingLot
}

extension Waiter {
    /// What the waiter waits on, as diagnostics show it: `recv fd 12`, `join`, ….
    var waitDescription: String {
        switch reason {
        case .read(let fd): "recv fd \(fd)"
        case .write(let fd): "send fd \(fd)"
        case .connect(let fd): "connect fd \(fd)"
        case .accept(let fd): "accept fd \(fd)"
        case .sleep: "sleep"
        case .blocking: "blocking call"
        case .parkingLot: (site as? ParkingLot)?.name ?? "parking lot"
        }
    }
}
