// The hub: one libevent base, one OS thread, and the green threads it runs.
//
// Contract:
// 1. A hub runs on exactly one OS thread, the one that called `Hub.run`. Every green
//    thread spawned on it (a `Task` with the hub as its executor preference) runs there,
//    and so does every libevent callback. Hub-owned state therefore needs no locks; it
//    is guarded by `assertOnHub()` in debug builds instead.
// 2. From other threads only two things may be done: enqueue a job (the Swift runtime
//    does this when a continuation is resumed elsewhere) and `execute(_:)` a closure.
//    Both go through the inbox and an eventfd that wakes the loop.
// 3. A green thread waits in exactly one way: `Waiter.park`, which hands its
//    continuation to whatever will wake it (an fd slot, a timer, a `WaiterList`).
//
// The loop (see `loop()`) has three phases: run ready jobs, poll libevent without
// blocking, and block in libevent only when nothing is runnable. An idle hub sleeps in
// epoll_wait and uses no CPU.

import CGreenlet
import CLibevent
import DequeModule
import Glibc
import GreenletLocks
import Synchronization

public final class Hub: TaskExecutor, @unchecked Sendable {
    /// libevent's base. Created with EVENT_BASE_FLAG_NOLOCK: only the hub thread touches it
    /// (through this file and PollDescriptor).
    let base: OpaquePointer
    private let thread: pthread_t
    @exclusivity(unchecked) private var ready = Deque<UnownedJob>()
    /// Waiters done with, for the next park to reuse instead of allocating.
    @exclusivity(unchecked) private var spareWaiters: [Waiter] = []
    private let inbox = Locked<Inbox>(Inbox())
    /// Hubs whose run ended with green threads that ignored their kill.
    private static let abandoned = Locked<[Hub]>([])
    /// Set by the first remote enqueue after a drain, so a burst costs one eventfd write.
    private let wakePending = Atomic<Bool>(false)
    private let wakeFD: Int32
    private var wakeEvent: OpaquePointer?
    private var stopping = false
    /// Green threads alive on this hub, for kill-at-exit and diagnostics: an intrusive
    /// list, so that spawning costs no hashing or allocation.
    @exclusivity(unchecked) private var liveHead: AnyGreenThread?
    /// The number of green threads alive on this hub.
    @exclusivity(unchecked) public private(set) var liveCount = 0
    private var nextThreadID: UInt64 = 1
    /// Numbers the process's hubs in diagnostics.
    let number: Int
    /// Set when `GREENLET_WATCHDOG_MS` asks for one.
    let watchdog: Watchdog?

    private struct Inbox {
        var jobs: [UnownedJob] = []
        var calls: [@Sendable () -> Void] = []
    }

    /// The jobs run per pass before libevent is polled again, so that I/O readiness is
    /// noticed even while green threads keep each other busy.
    private static let jobsPerPass = 64

    /// Where the hub's diagnostics go: stderr, or a test's log.
    let report: @Sendable (String) -> Void

    private init(watchdogThreshold: UInt64?, report: @escaping @Sendable (String) -> Void) throws(HubError) {
        guard let config = event_config_new() else { throw HubError.libevent("event_config_new") }
        defer { event_config_free(config) }
        event_config_set_flag(config, Int32(EVENT_BASE_FLAG_NOLOCK.rawValue))
        guard let base = event_base_new_with_config(config) else {
            throw HubError.libevent("event_base_new_with_config")
        }
        let fd = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        guard fd >= 0 else {
            event_base_free(base)
            throw HubError.libevent("eventfd: \(String(cString: strerror(errno)))")
        }
        self.base = base
        self.wakeFD = fd
        self.thread = pthread_self()
        let number = Monitor.nextHubNumber()
        self.number = number
        self.report = report
        watchdog = watchdogThreshold.map { Watchdog(hubNumber: number, threshold: $0, report: report) }
    }

    deinit {
        for waiter in spareWaiters { waiter.releaseTimer() }
        if let wakeEvent { event_free(wakeEvent) }
        Glibc.close(wakeFD)
        event_base_free(base)
    }

    // MARK: - Running

    /// Runs `body` as the root green thread of a new hub on the calling thread, and
    /// returns its value or rethrows its error once it ends.
    ///
    /// When the root ends, green threads still alive are killed and their cleanup runs
    /// before `run` returns; debug builds name them on stderr, since they are likely leaks.
    /// With `GREENLET_WATCHDOG_MS` set, a job that holds the hub longer is reported.
    public static func run<T: Sendable>(
        fileID: StaticString = #fileID,
        line: UInt = #line,
        _ body: sending @escaping () async throws -> T
    ) throws -> T {
        try run(watchdogThreshold: Watchdog.threshold, report: printError, fileID: fileID, line: line, body)
    }

    /// `run` with the watchdog's threshold (nanoseconds) and the diagnostics' destination
    /// given, for tests.
    static func run<T: Sendable>(
        watchdogThreshold: UInt64?,
        report: @escaping @Sendable (String) -> Void,
        fileID: StaticString = #fileID,
        line: UInt = #line,
        _ body: sending @escaping () async throws -> T
    ) throws -> T {
        precondition(current == nil, "Hub.run called on a thread that already runs a hub")
        let hub = try Hub(watchdogThreshold: watchdogThreshold, report: report)
        setCurrent(hub)
        Monitor.register(hub)
        defer {
            Monitor.unregister(hub)
            setCurrent(nil)
        }
        hub.startWakeEvent()
        let root = GreenThread<T>(hub: hub, name: "root", fileID: fileID, line: line)
        root.start(body) { hub.stopping = true }
        hub.loop()
        hub.killRemaining()
        guard let result = root.result else {
            fatalError("hub stopped before its root green thread finished")
        }
        return try result.get()
    }

    /// The three-phase loop; returns once the root green thread has finished.
    private func loop() {
        while !stopping {
            // Phase 1: run what is ready.
            runReadyJobs()
            if stopping { break }
            // Phase 2 and 3: poll for I/O and timers; block only when nothing is runnable.
            // The inbox needs no look: a remote enqueue has written the eventfd, so a
            // blocking poll returns at once.
            let flags = ready.isEmpty ? (EVLOOP_ONCE | EVLOOP_NO_EXIT_ON_EMPTY) : (EVLOOP_ONCE | EVLOOP_NONBLOCK)
            event_base_loop(base, flags)
        }
    }

    /// Runs at most `jobsPerPass` ready jobs: a green thread that only yields re-enqueues
    /// itself at once, and the loop must still get to poll.
    private func runReadyJobs() {
        drainInbox()
        var budget = Self.jobsPerPass
        while budget > 0, let job = ready.popFirst() {
            if let watchdog {
                watchdog.willRun(job)
                job.runSynchronously(on: asUnownedTaskExecutor())
                watchdog.didRun()
            } else {
                job.runSynchronously(on: asUnownedTaskExecutor())
            }
            budget -= 1
        }
    }

    /// Kills the green threads left when the root ends and runs the loop until their
    /// cleanup is done, or until a second has passed for one that ignores its kill.
    private func killRemaining() {
        guard liveCount > 0 else { return }
        let live = liveThreads
        #if DEBUG
        let names = live.reversed().map(\.diagnosticName)
        report("greenlet: hub exiting with \(names.count) live green thread(s), killing: \(names.joined(separator: ", "))")
        #endif
        for thread in live { thread.kill() }
        let deadline = MonotonicClock.now() &+ 1_000_000_000
        stopping = false
        while liveCount > 0, MonotonicClock.now() < deadline {
            // Cleanup may spawn green threads of its own: they are killed too.
            for thread in liveThreads where !thread.isKilled { thread.kill() }
            runReadyJobs()
            if liveCount == 0 { break }
            // Wait for their I/O, timers or worker results, but look again every 10 ms.
            var pause = timeval(tv_sec: 0, tv_usec: 10_000)
            event_base_loopexit(base, &pause)
            event_base_loop(base, ready.isEmpty ? (EVLOOP_ONCE | EVLOOP_NO_EXIT_ON_EMPTY) : (EVLOOP_ONCE | EVLOOP_NONBLOCK))
        }
        if liveCount > 0 {
            // The hub must outlive tasks that may still enqueue jobs on it: kept for good,
            // where LeakSanitizer (and a reader) can see it is kept on purpose.
            Self.abandoned.withLock { $0.append(self) }
        }
    }

    // MARK: - Executor

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        if isOnHubThread {
            ready.append(job)
        } else {
            inbox.withLock { $0.jobs.append(job) }
            wake()
        }
    }

    /// Runs `work` on the hub thread: at once when called there, else through the inbox.
    public func execute(_ work: @escaping @Sendable () -> Void) {
        if isOnHubThread {
            work()
        } else {
            inbox.withLock { $0.calls.append(work) }
            wake()
        }
    }

    var isOnHubThread: Bool { pthread_equal(pthread_self(), thread) != 0 }

    /// Traps in debug builds when hub-owned state is touched from another thread.
    @inline(__always)
    func assertOnHub(_ what: @autoclosure () -> String = "", file: StaticString = #fileID, line: UInt = #line) {
        assert(isOnHubThread, "hub-owned state touched off its hub thread \(what())", file: file, line: line)
    }

    private func wake() {
        if !wakePending.exchange(true, ordering: .acquiringAndReleasing) {
            var one: UInt64 = 1
            _ = Glibc.write(wakeFD, &one, 8)
        }
    }

    private func drainInbox() {
        let taken = inbox.withLock { inbox -> Inbox in
            if inbox.jobs.isEmpty && inbox.calls.isEmpty { return Inbox() }
            let taken = inbox
            inbox = Inbox()
            return taken
        }
        ready.append(contentsOf: taken.jobs)
        for call in taken.calls { call() }
    }

    private func startWakeEvent() {
        let me = Unmanaged.passUnretained(self).toOpaque()
        wakeEvent = event_new(base, wakeFD, Int16(EV_READ | EV_PERSIST), { fd, _, arg in
            let hub = Unmanaged<Hub>.fromOpaque(arg!).takeUnretainedValue()
            var count: UInt64 = 0
            _ = Glibc.read(fd, &count, 8)
            // Cleared before draining: an enqueue after this point writes the eventfd again.
            hub.wakePending.store(false, ordering: .releasing)
            hub.drainInbox()
        }, me)
        event_add(wakeEvent, nil)
    }

    // MARK: - Green thread bookkeeping

    @inline(__always)
    func makeWaiter(_ reason: WaitReason) -> Waiter {
        if let waiter = spareWaiters.popLast() {
            waiter.reason = reason
            return waiter
        }
        return Waiter(hub: self, reason: reason)
    }

    @inline(__always)
    func recycle(_ waiter: Waiter) {
        if spareWaiters.count < 1024 { spareWaiters.append(waiter) }
    }

    func register(_ thread: AnyGreenThread) -> UInt64 {
        assertOnHub()
        let id = nextThreadID
        nextThreadID += 1
        thread.liveNext = liveHead
        liveHead?.livePrevious = thread
        liveHead = thread
        liveCount += 1
        return id
    }

    func unregister(_ thread: AnyGreenThread) {
        assertOnHub()
        if liveHead === thread { liveHead = thread.liveNext }
        thread.livePrevious?.liveNext = thread.liveNext
        thread.liveNext?.livePrevious = thread.livePrevious
        thread.liveNext = nil
        thread.livePrevious = nil
        liveCount -= 1
    }

    /// The green threads alive on this hub, newest first.
    var liveThreads: [AnyGreenThread] {
        assertOnHub()
        var threads: [AnyGreenThread] = []
        var next = liveHead
        while let thread = next {
            threads.append(thread)
            next = thread.liveNext
        }
        return threads
    }

    /// Events registered with libevent on this hub, the hub's own wake-up event included.
    public var registeredEventCount: Int {
        assertOnHub()
        return Int(event_base_get_num_events(base, UInt32(EVENT_BASE_COUNT_ADDED)))
    }

    // MARK: - Timers and signals
    //
    // libevent is called from this file and PollDescriptor.swift only: the rest of the
    // runtime asks the hub for the events it needs.

    /// A timer event on this hub's base that calls `waiter.timerFired()`; not pending until
    /// `armTimer`. Freed with `freeEvent`.
    func makeTimer(for waiter: Waiter) -> OpaquePointer {
        event_new(base, -1, 0, { _, _, arg in
            Unmanaged<Waiter>.fromOpaque(arg!).takeUnretainedValue().timerFired()
        }, Unmanaged.passUnretained(waiter).toOpaque())!
    }

    /// Makes `timer` fire once, `nanoseconds` from now (re-arming moves it).
    func armTimer(_ timer: OpaquePointer, after nanoseconds: UInt64) {
        var tv = MonotonicClock.timeval(nanoseconds: nanoseconds)
        event_add(timer, &tv)
    }

    /// Takes back an armed timer.
    func disarmTimer(_ timer: OpaquePointer) {
        event_del(timer)
    }

    /// A persistent event that calls `watcher.deliver(signal)` for each delivery of
    /// `signal`, pending at once. Freed with `freeEvent`.
    func watchSignal(_ signal: Int32, for watcher: SignalWatcher) -> OpaquePointer {
        let event = event_new(base, signal, Int16(EV_SIGNAL | EV_PERSIST), { signal, _, arg in
            Unmanaged<SignalWatcher>.fromOpaque(arg!).takeUnretainedValue().deliver(signal)
        }, Unmanaged.passUnretained(watcher).toOpaque())!
        event_add(event, nil)
        return event
    }

    /// Frees an event made by `makeTimer` or `watchSignal`, deleting it first if pending.
    func freeEvent(_ event: OpaquePointer) {
        event_free(event)
    }

    // MARK: - The current hub

    /// The hub that runs the calling thread, or nil outside any hub.
    public static var current: Hub? {
        guard let raw = pthread_getspecific(currentKey) else { return nil }
        return Unmanaged<Hub>.fromOpaque(raw).takeUnretainedValue()
    }

    /// The calling green thread's hub; a call from outside any hub is a programming error.
    @usableFromInline
    static func mustBeCurrent(_ api: StaticString = #function) -> Hub {
        guard let hub = current else {
            preconditionFailure("\(api) must be called from a green thread (inside Hub.run)")
        }
        return hub
    }

    private static func setCurrent(_ hub: Hub?) {
        pthread_setspecific(currentKey, hub.map { Unmanaged.passUnretained($0).toOpaque() })
    }

    private static let currentKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()
}

/// Why a hub could not be created.
public enum HubError: Error, CustomStringConvertible {
    case libevent(String)

    public var description: String {
        switch self {
        case .libevent(let what): "libevent failed: \(what)"
        }
    }
}
