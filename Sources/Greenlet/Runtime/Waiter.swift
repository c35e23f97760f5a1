// The one way a green thread waits.
//
// `Waiter.park` suspends the calling green thread and hands a `Waiter` to whatever will
// wake it: an fd's reader or writer slot, a synchronisation type's `WaiterList` (`Queue`,
// `Event`, `ParkingLot`, …), a worker thread's result.
// Three sources may try to finish a wait — the thing waited for, the deadline's timer,
// and a kill — and the first one wins: every path goes through `take`, which takes the
// continuation, so a green thread is resumed exactly once. All of this happens on the
// hub thread; a kill from another thread is handed to the hub first.
//
// The sync primitives may be shared by green threads of several hubs, so their wakers
// can run on another thread. Such a waker takes the waiter out of the primitive's list
// under the primitive's lock — from then on the wake-up is promised, and a kill or a
// deadline on the waiter's own hub finds it gone and leaves it to that wake-up — and then
// hands the wake-up to the waiter's hub (`deliver`).

import CGreenlet
import Glibc

/// Where a parked `Waiter` is enrolled, so a timeout or a kill can take it back out.
protocol WaitSite: AnyObject {
    /// Takes `waiter` out; false when a waker on another thread has taken it out already
    /// and will deliver its wake-up.
    func withdraw(_ waiter: Waiter) -> Bool
}

/// What a primitive decides, under its lock, when a green thread comes to wait.
enum Enrollment {
    /// The waiter is in the primitive's list: park.
    case parked
    /// The condition holds already: go on without parking.
    case ready
    /// The wait cannot succeed (a closed queue, say).
    case failed(any Error)
}

/// When a wait ends by itself, and what that means. Plain values, so that passing a
/// deadline around costs no reference counting.
struct Deadline {
    let at: UInt64
    let expiry: Expiry

    /// The deadline of a call's own `timeout:` argument: `TimeoutError` once it passes.
    static func timeout(_ seconds: Double?) -> Deadline? {
        seconds.map { Deadline(at: MonotonicClock.deadline(after: $0), expiry: .timeout(seconds: $0)) }
    }
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
    /// The structure the waiter is enrolled in, cleared once it is woken. Unowned: the
    /// site parks the waiter from one of its own methods, whose frame keeps it alive.
    @exclusivity(unchecked) unowned(unsafe) var site: (any WaitSite)?
    /// The deadline's timer event, made at the first timed wait and kept while the waiter
    /// is recycled (a keep-alive server times every read): pending while `expiresAt` is set.
    @exclusivity(unchecked) private var timer: OpaquePointer?
    /// The green thread parked here, which a kill reaches through `AnyGreenThread.kill`.
    /// Unowned: set only while parked, when the thread's own task keeps it alive.
    @exclusivity(unchecked) private unowned(unsafe) var thread: AnyGreenThread?
    /// The next waiter of the same green thread (its children in a task group share it).
    @exclusivity(unchecked) unowned(unsafe) var nextOfThread: Waiter?
    /// Counts the waits this (recycled) waiter has served, so that a late wake-up meant
    /// for an earlier wait is recognised and dropped.
    @exclusivity(unchecked) private(set) var generation: UInt64 = 0
    @exclusivity(unchecked) private var expiry = Expiry.wake
    // The small fields fill the padding after `expiry`'s tag byte: one waiter per parked
    // green thread, in a 144-byte heap block (`malloc_usable_size` 136).
    /// A kill or deadline came after a waker on another thread had taken the waiter out
    /// of its site: the wake-up is on its way and wins.
    @exclusivity(unchecked) private var wakePromised = false
    /// In a primitive's `WaiterList`, guarded by that primitive's lock.
    @exclusivity(unchecked) var isListed = false
    /// What the green thread waits for, for diagnostics.
    @exclusivity(unchecked) var reason: WaitReason
    /// When the armed timer fires, for diagnostics; 0 without a timer.
    @exclusivity(unchecked) private(set) var expiresAt: UInt64 = 0

    // Links in a primitive's `WaiterList`, guarded by that primitive's lock.
    @exclusivity(unchecked) unowned(unsafe) var listNext: Waiter?
    @exclusivity(unchecked) unowned(unsafe) var listPrevious: Waiter?

    init(hub: Hub, reason: WaitReason) {
        self.hub = hub
        self.reason = reason
    }

    deinit {
        releaseTimer()
    }

    /// Frees the timer event; the hub calls it for its spare waiters before it frees its
    /// event base.
    func releaseTimer() {
        if let timer { hub.freeEvent(timer) }
        timer = nil
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
        let task = greenlet_current_task()
        // A kill or a cancellation that came before the park must not be slept through.
        if let thread, thread.isKilled { throw CancellationError() }
        if greenlet_task_is_cancelled(task) { throw CancellationError() }
        // Whichever comes first: the call's own deadline or an enclosing `withTimeout`.
        let effective: Deadline?
        if let scoped = context.deadline, deadline == nil || scoped.at < deadline!.at {
            effective = Deadline(at: scoped.at, expiry: .timeout(seconds: scoped.seconds))
        } else {
            effective = deadline
        }
        let waiter = hub.makeWaiter(reason)
        defer { hub.recycle(waiter) }
        let isChild = thread.map { $0.ownTask != task } ?? false
        func begin(_ continuation: UnsafeContinuation<Void, any Error>) {
            hub.assertOnHub("park")
            waiter.continuation = continuation
            waiter.thread = thread
            thread?.parked(waiter)
            enroll(waiter)
            if isChild && greenlet_task_is_cancelled(task) {
                waiter.interrupt(CancellationError())  // cancelled before its handler was in place
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
                if waiter.generation == generation { waiter.interrupt(CancellationError()) }
            }
        }
    }

    /// Parks the calling green thread on a primitive that may be shared across hubs.
    /// `enroll` runs under nothing but the caller's hub: it takes the primitive's lock,
    /// checks the condition again (a waker on another hub may have changed it since the
    /// caller looked), and either lists the waiter or says why it need not wait.
    @inline(__always)
    static func park(
        on site: some WaitSite,
        reason: WaitReason,
        until deadline: Deadline?,
        enroll: (Waiter) -> Enrollment
    ) async throws {
        try await park(on: Hub.mustBeCurrent(), reason: reason, until: deadline) { waiter in
            waiter.site = site
            switch enroll(waiter) {
            case .parked: break
            case .ready: waiter.wake()
            case .failed(let error): waiter.fail(error)
            }
        }
    }

    /// Ends the wait normally. Called by its waker, which has taken the waiter out of its
    /// site (or the wait has none), on the hub thread.
    func wake() {
        guard let continuation = take(withdrawing: false) else { return }
        continuation.resume()
    }

    /// Ends the wait with `error`; called like `wake`.
    func fail(_ error: any Error) {
        guard let continuation = take(withdrawing: false) else { return }
        continuation.resume(throwing: error)
    }

    /// Ends the wait early with `error` (a kill, a deadline), taking the waiter out of its
    /// site first. Does nothing when a waker on another thread has already taken it out:
    /// that wake-up comes first.
    func interrupt(_ error: any Error) {
        guard let continuation = take(withdrawing: true) else { return }
        continuation.resume(throwing: error)
    }

    /// Wakes (or with `error`, fails) a waiter its caller has taken out of a primitive's
    /// list, from any thread: at once on the waiter's hub, else through its inbox.
    func deliver(_ error: (any Error)? = nil) {
        if hub.isOnHubThread {
            if let error { fail(error) } else { wake() }
        } else {
            hub.execute { [self] in
                if let error { fail(error) } else { wake() }
            }
        }
    }

    private func take(withdrawing: Bool) -> UnsafeContinuation<Void, any Error>? {
        hub.assertOnHub("waiter")
        guard let continuation else { return nil }
        if withdrawing {
            if wakePromised { return nil }
            if let site, !site.withdraw(self) {
                wakePromised = true
                return nil
            }
        }
        wakePromised = false
        site = nil
        self.continuation = nil
        generation &+= 1
        if expiresAt != 0 {
            hub.disarmTimer(timer!)
            expiresAt = 0
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
        expiresAt = at
        if timer == nil { timer = hub.makeTimer(for: self) }
        hub.armTimer(timer!, after: at > now ? at - now : 0)
    }

    /// The deadline's timer went off.
    func timerFired() {
        fire(expiry)
    }

    private func fire(_ expiry: Expiry) {
        switch expiry {
        case .wake:
            // A wait that ends by its timer may be enrolled too (a listener's back-off).
            guard let continuation = take(withdrawing: true) else { return }
            continuation.resume()
        case .timeout(let seconds): interrupt(TimeoutError(seconds: seconds))
        case .connectTimedOut: interrupt(NetworkError.timedOut)
        }
    }
}

/// What a parked green thread is waiting for.
enum WaitReason: Equatable, Sendable {
    case read(fd: Int32)
    case write(fd: Int32)
    case connect(fd: Int32)
    case accept(fd: Int32)
    case sleep
    case blocking
    case parkingLot
    case event
    case asyncResult
    case queueGet
    case queuePut
    case semaphore
    case lock
    case groupJoin
    case timeoutBody
}

extension Waiter {
    /// What the waiter waits on, as diagnostics show it: `recv fd 12`, `sleep 0.8 s left`,
    /// `Queue.get`, ….
    var waitDescription: String {
        let what = switch reason {
        case .read(let fd): "recv fd \(fd)"
        case .write(let fd): "send fd \(fd)"
        case .connect(let fd): "connect fd \(fd)"
        case .accept(let fd): "accept fd \(fd)"
        case .sleep: "sleep"
        case .blocking: "blocking call"
        case .parkingLot: (site as? ParkingLot)?.name ?? "ParkingLot"
        case .event: "Event.wait"
        case .asyncResult: "AsyncResult.wait"
        case .queueGet: "Queue.get"
        case .queuePut: "Queue.put"
        case .semaphore: "Semaphore.acquire"
        case .lock: "Lock"
        case .groupJoin: "Group.joinAll"
        case .timeoutBody: "withTimeout body"
        }
        guard expiresAt != 0 else { return what }
        let left = formatSeconds(nanoseconds: expiresAt &- min(expiresAt, MonotonicClock.now()))
        return reason == .sleep ? "sleep \(left) left" : "\(what), \(left) left"
    }
}
