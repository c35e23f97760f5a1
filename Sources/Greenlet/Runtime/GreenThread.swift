import CGreenlet

/// What the hub keeps of every green thread, whatever its result type. Its state is the
/// hub's, touched on the hub thread only: no dynamic exclusivity checks on it.
public class AnyGreenThread: @unchecked Sendable {
    /// Strong: a handle may outlive its hub's run, and `kill` still goes through the hub.
    @usableFromInline let hub: Hub
    /// Unique on its hub; 0 until the thread starts.
    @exclusivity(unchecked) private(set) var id: UInt64 = 0
    /// The name given at spawn, if any.
    let givenName: String?
    private let fileID: StaticString
    // The small fields fill the padding after `fileID`'s flag byte: the record of a
    // green thread takes a 144-byte heap block (`malloc_usable_size` 136).
    /// Set on the hub by `kill`; every later wait throws at once.
    @exclusivity(unchecked) private(set) var isKilled = false
    @exclusivity(unchecked) private(set) var isDone = false
    private let line: UInt32
    /// Its own task, to tell it from its structured children, which share its
    /// `WaitContext`; set at spawn, cleared when it ends.
    @exclusivity(unchecked) private var task: Task<Void, Never>?
    /// When it was spawned, on `MonotonicClock`.
    @exclusivity(unchecked) private(set) var startedAt: UInt64 = 0
    /// The waits in progress: one, or several when task-group children share the thread.
    /// Unowned, as a `WaiterList`'s links are: a parked waiter is kept alive by its park.
    @exclusivity(unchecked) private unowned(unsafe) var firstParked: Waiter?

    /// Links in the hub's list of live green threads.
    @exclusivity(unchecked) var liveNext: AnyGreenThread?
    @exclusivity(unchecked) unowned(unsafe) var livePrevious: AnyGreenThread?

    @usableFromInline
    init(hub: Hub, name: String?, fileID: StaticString, line: UInt) {
        self.hub = hub
        self.givenName = name
        self.fileID = fileID
        self.line = UInt32(truncatingIfNeeded: line)
    }

    /// A name for diagnostics, given at spawn or derived from the spawn site.
    public var name: String { givenName ?? "green thread at \(spawnSite)" }

    /// Where the green thread was spawned, as `Module/File.swift:line`.
    public var spawnSite: String { "\(fileID):\(line)" }

    /// How diagnostics name the green thread: id, name, spawn site, and what it waits on.
    var diagnosticName: String {
        let waiting = firstParked.map { ", waiting on \($0.waitDescription)" } ?? ""
        return "#\(id) \(name) (spawned at \(spawnSite)\(waiting))"
    }

    /// What it waits on (`recv fd 12`, `Queue.get`, …), or `running` when it is not parked.
    var waitingOn: String {
        firstParked?.waitDescription ?? "running"
    }

    /// Makes the green thread throw `CancellationError` at its current or next wait;
    /// its `defer` blocks and catch clauses run as the error unwinds it. Does nothing to
    /// a finished green thread. Returns at once: join to wait for the end.
    public func kill() {
        hub.execute { [self] in
            guard !isDone, !isKilled else { return }
            task?.cancel()  // for code that polls Task.isCancelled; `task` is hub-owned
            isKilled = true
            var next = firstParked
            while let waiter = next {
                next = waiter.nextOfThread
                // Unlinks it through `unparked`, unless its wake-up is already on the way.
                waiter.interrupt(CancellationError())
            }
        }
    }

    func parked(_ waiter: Waiter) {
        waiter.nextOfThread = firstParked
        firstParked = waiter
    }

    func unparked(_ waiter: Waiter) {
        if firstParked === waiter {
            firstParked = waiter.nextOfThread
        } else {
            unowned(unsafe) var previous = firstParked
            while let current = previous?.nextOfThread, current !== waiter { previous = current }
            previous?.nextOfThread = waiter.nextOfThread
        }
        waiter.nextOfThread = nil
    }

    @usableFromInline
    func started(_ task: Task<Void, Never>) {
        id = hub.register(self)
        startedAt = MonotonicClock.now()
        self.task = task
    }

    /// Called first thing in its own task.
    @usableFromInline
    func running() {
        assert(ownTask == greenlet_current_task(), "a Task's handle is its task's address")
        if let watchdog = hub.watchdog, let ownTask { watchdog.track(self, task: ownTask) }
    }

    /// Its own task's address, while it runs.
    var ownTask: UnsafeRawPointer? {
        task.map { unsafeBitCast($0, to: UnsafeRawPointer.self) }
    }

    @usableFromInline
    func ended() {
        isDone = true
        if let watchdog = hub.watchdog, let ownTask { watchdog.untrack(task: ownTask) }
        hub.unregister(self)
        task = nil
    }
}

/// A handle on a green thread: join it with `value`, stop it with `kill()`.
public final class GreenThread<T: Sendable>: AnyGreenThread, @unchecked Sendable {
    @exclusivity(unchecked) @usableFromInline var result: Result<T, any Error>?
    /// Made by the first joiner that has to wait: most green threads are joined after
    /// they end, or never.
    @exclusivity(unchecked) @usableFromInline var joiners: ParkingLot?

    /// Inlinable so that a spawn site specializes it: the inherited initializer, generic,
    /// looked up the metadata of `Result<T, any Error>` on every spawn.
    @inlinable
    override init(hub: Hub, name: String?, fileID: StaticString, line: UInt) {
        super.init(hub: hub, name: name, fileID: fileID, line: line)
    }

    /// True once the green thread has returned or thrown.
    public var isFinished: Bool { result != nil }

    /// Waits for the green thread to end and returns its value or rethrows its error
    /// (`CancellationError` when it was killed).
    /// - Throws: its error; `CancellationError` when the *joiner* is killed;
    ///   `TimeoutError` past an enclosing `withTimeout`.
    @inlinable
    public var value: T {
        get async throws {
            while result == nil {
                if joiners == nil { joiners = ParkingLot("join") }
                try await joiners!.park()
            }
            return try result!.get()
        }
    }

    @inlinable
    func start(_ body: sending @escaping () async throws -> T, onFinish: (@Sendable () -> Void)? = nil) {
        // The task is created on the hub but only runs once this job yields to the loop,
        // so `started` registers it before any of its code runs. It copies the task-locals
        // bound at its creation: binding the context around `Task.init` costs far less
        // than an async `withValue` inside it. A new green thread starts without the
        // spawner's deadline, as in gevent.
        let context = WaitContext(thread: self, deadline: nil)
        // Not wrapped in a generic struct: a closure stored generically is kept at its most
        // general abstraction, and converting it back costs a thunk and an allocation.
        nonisolated(unsafe) let body = body
        let task = context.bind {
            Task(executorPreference: hub) { [self] in
                running()
                let outcome: Result<T, any Error>
                do {
                    outcome = .success(try await body())
                } catch {
                    outcome = .failure(error)
                }
                result = outcome
                ended()
                joiners?.unparkAll()
                onFinish?()
            }
        }
        started(task)
    }
}

/// Starts `body` as a new green thread on the calling green thread's hub. It first runs
/// when the caller next waits or yields.
/// - Parameter name: shown in diagnostics; defaults to the spawn site.
@inlinable @discardableResult
public func spawn<T: Sendable>(
    _ name: String? = nil,
    fileID: StaticString = #fileID,
    line: UInt = #line,
    _ body: sending @escaping () async throws -> T
) -> GreenThread<T> {
    let hub = Hub.mustBeCurrent()
    let thread = GreenThread<T>(hub: hub, name: name, fileID: fileID, line: line)
    thread.start(body)
    return thread
}

/// Waits for every green thread in `threads`, in order, and returns their values.
/// - Throws: the first error met in that order; the others keep running.
@inlinable
public func joinAll<T>(_ threads: [GreenThread<T>]) async throws -> [T] {
    var values: [T] = []
    values.reserveCapacity(threads.count)
    for thread in threads {
        values.append(try await thread.value)
    }
    return values
}
