import CGreenlet
import Foundation
import Glibc
import GreenletLocks
import Synchronization

/// The process's one monitor thread, started by the first `Hub.run`. It answers SIGUSR1
/// with a table of every hub's green threads, and runs the hubs' watchdogs. It never
/// touches a hub's state itself: a table is built by its hub, between jobs.
enum Monitor {
    private static let hubs = Locked<[Hub]>([])
    private static let nextNumber = Atomic<Int>(1)
    /// Written by the SIGUSR1 handler, read by the monitor thread.
    private static let signalFD = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
    /// Written when a hub with a watchdog starts, so the thread looks at its threshold.
    private static let hubsChangedFD = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))

    /// Starts the thread and the SIGUSR1 handler, once per process.
    private static let started: Void = {
        // Initialised here, not lazily inside the signal handler, where that is not safe.
        _ = signalFD
        installSignalHandler()
        let thread = Thread { watch() }
        thread.name = "greenlet-monitor"
        thread.stackSize = 256 << 10
        thread.start()
    }()

    /// A number for a new hub, shown in diagnostics.
    static func nextHubNumber() -> Int {
        nextNumber.wrappingAdd(1, ordering: .relaxed).oldValue
    }

    /// Adds a hub that starts running.
    static func register(_ hub: Hub) {
        _ = started
        hubs.withLock { $0.append(hub) }
        if hub.watchdog != nil { notify(hubsChangedFD) }
    }

    static func unregister(_ hub: Hub) {
        hubs.withLock { $0.removeAll { $0 === hub } }
    }

    /// The hubs running now, in the order they started.
    static var runningHubs: [Hub] { hubs.withLock { $0 } }

    /// Makes SIGUSR1 dump the hubs, unless the program has a handler of its own for it.
    private static func installSignalHandler() {
        var current = sigaction()
        guard sigaction(SIGUSR1, nil, &current) == 0, current.__sigaction_handler.sa_handler == nil else { return }
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in
            Monitor.notify(Monitor.signalFD)  // async-signal-safe: one write to an eventfd
        }
        action.sa_flags = SA_RESTART
        sigemptyset(&action.sa_mask)
        sigaction(SIGUSR1, &action, nil)
    }

    private static func notify(_ fd: Int32) {
        var one: UInt64 = 1
        _ = write(fd, &one, 8)
    }

    private static func watch() {
        var fds = [signalFD, hubsChangedFD].map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        while true {
            let watchdogs = runningHubs.compactMap(\.watchdog)
            // A watchdog looks twice per threshold; without one, only the eventfds wake the thread.
            let timeout = watchdogs.map { Int32(clamping: max(1, $0.threshold / 2_000_000)) }.min() ?? -1
            guard poll(&fds, 2, timeout) >= 0 else { continue }  // EINTR
            var count: UInt64 = 0
            if fds[0].revents & Int16(POLLIN) != 0, read(signalFD, &count, 8) == 8 {
                Hub.dump()
            }
            if fds[1].revents & Int16(POLLIN) != 0 { _ = read(hubsChangedFD, &count, 8) }
            let now = MonotonicClock.now()
            for watchdog in watchdogs { watchdog.check(now: now) }
        }
    }
}
