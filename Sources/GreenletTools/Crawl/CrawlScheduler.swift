import Greenlet

/// Runs a `CrawlSchedule` on the crawl's hub: hands its jobs to the fetchers through a
/// queue as the politeness rules let them start, and learns from the crawl's result loop
/// which fetches ended. Hub-confined (the schedule has no lock).
final class CrawlScheduler: @unchecked Sendable {
    private var schedule: CrawlSchedule
    /// Where `feed` waits for a fetch to end or a time to come.
    private let changed = ParkingLot("crawl schedule")

    init(perHost: Int, rate: Double?) {
        schedule = CrawlSchedule(perHost: perHost, rate: rate)
    }

    func add(_ job: CrawlJob) {
        schedule.add(job)
    }

    /// `job`'s fetch ended: for good, or to go again after `retryIn` seconds.
    func finished(_ job: CrawlJob, retryIn: Double? = nil) {
        schedule.finished(job, retryAt: retryIn.map { MonotonicClock.deadline(after: $0) })
        changed.unparkAll()
    }

    /// Puts each job into `jobs` once it may start, and closes `jobs` when every job has
    /// been finished for good.
    func feed(_ jobs: Queue<CrawlJob>) async throws {
        while true {
            let now = MonotonicClock.now()
            switch schedule.next(now: now) {
            case .fetch(let job): try await jobs.put(job)
            case .waitUntil(let time):
                do {
                    try await changed.park(timeout: Double(time - now) / 1e9)
                } catch is TimeoutError {}
            case .waitForFinish: try await changed.park()
            case .drained:
                jobs.close()
                return
            }
        }
    }
}
