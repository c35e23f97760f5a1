import Glibc
import GreenletLocks

/// Notices a hub held by one job for too long — a green thread that called something
/// blocking, or computes without yielding — and names that green thread while it still
/// holds the hub. Off unless `GREENLET_WATCHDOG_MS` is set; then each job costs the hub
/// a clock read, a dictionary lookup and two uncontended locks.
final class Watchdog: @unchecked Sendable {
    /// The longest a job may hold a hub, from `GREENLET_WATCHDOG_MS`; nil when off.
    static let threshold: UInt64? = {
        guard let text = getenv("GREENLET_WATCHDOG_MS").map({ String(cString: $0) }),
              let milliseconds = UInt64(text), milliseconds > 0 else { return nil }
        return min(milliseconds, 1_000_000_000) * 1_000_000
    }()

    private struct Running {
        var since: UInt64 = 0
        /// The job's address.
        var job: UInt = 0
        var thread: AnyGreenThread?
        var reported = false
    }

    private let hubNumber: Int
    let threshold: UInt64
    private let report: @Sendable (String) -> Void
    /// The job running now, written by the hub and read by the monitor thread.
    private let running = Locked(Running())
    /// Green threads by their task, which is also the job the hub runs for them.
    /// Hub-owned.
    @exclusivity(unchecked) private var threads: [UnsafeRawPointer: AnyGreenThread] = [:]

    init(hubNumber: Int, threshold: UInt64, report: @escaping @Sendable (String) -> Void) {
        self.hubNumber = hubNumber
        self.threshold = threshold
        self.report = report
    }

    /// On the hub, in the green thread's first job, which `willRun` could not name yet.
    func track(_ thread: AnyGreenThread, task: UnsafeRawPointer) {
        threads[task] = thread
        running.withLock { running in
            if running.job == UInt(bitPattern: task) { running.thread = thread }
        }
    }

    func untrack(task: UnsafeRawPointer) {
        threads[task] = nil
    }

    /// On the hub, before it runs `job`.
    func willRun(_ job: UnownedJob) {
        let task = unsafeBitCast(job, to: UnsafeRawPointer.self)
        let thread = threads[task]
        let now = MonotonicClock.now()
        running.withLock { $0 = Running(since: now, job: UInt(bitPattern: task), thread: thread) }
    }

    /// On the hub, after the job has given it back.
    func didRun() {
        let ended = running.withLock { running -> Running in
            defer { running = Running() }
            return running
        }
        if ended.reported {
            let held = formatSeconds(nanoseconds: MonotonicClock.now() &- ended.since)
            report("greenlet: watchdog: hub \(hubNumber) free again after \(held), held by \(Self.describe(ended.thread))")
        }
    }

    /// On the monitor thread: reports the job running now once it has held the hub too long.
    func check(now: UInt64) {
        let late = running.withLock { running -> Running? in
            guard running.since != 0, now > running.since, !running.reported, now - running.since > threshold else { return nil }
            running.reported = true
            return running
        }
        guard let late else { return }
        let milliseconds = (now &- late.since) / 1_000_000
        report("greenlet: watchdog: hub \(hubNumber) blocked for \(milliseconds) ms by \(Self.describe(late.thread))")
    }

    /// Only what never changes after spawn is read here, on the monitor thread.
    private static func describe(_ thread: AnyGreenThread?) -> String {
        guard let thread else { return "a job of no green thread's own (a task-group child?)" }
        let name = thread.givenName.map { " \($0)" } ?? ""
        return "green thread #\(thread.id)\(name) (spawned at \(thread.spawnSite))"
    }
}
