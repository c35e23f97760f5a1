import Greenlet

/// Runs a `CrawlSchedule` on the crawl's hub: hands its jobs to the fetchers as they ask
/// and the politeness rules let them start, and learns from the crawl's result loop which
/// fetches ended. Hub-confined (the schedule has no lock).
final class CrawlScheduler: @unchecked Sendable {
    private let hub: Hub
    private var schedule: CrawlSchedule
    /// Jobs handed out, by id: a result names its job by id alone.
    private var running: [Int: CrawlJob] = [:]
    /// Where `feed` waits for a fetch to end or a time to come.
    private let changed = ParkingLot("crawl schedule")
    let source = CrawlJobSource(jobs: Queue(capacity: 1), demand: Queue())

    init(perHost: Int, rate: Double?) {
        hub = Hub.current!
        schedule = CrawlSchedule(perHost: perHost, rate: rate)
    }

    func add(_ job: CrawlJob) {
        schedule.add(job)
    }

    /// The job `result` answers ended: for good, or to go again after `retryIn` seconds.
    func finished(_ result: CrawlResult, retryIn: Double? = nil) {
        assert(Hub.current === hub, "a crawl's scheduler is used from its own hub only")
        guard let job = running.removeValue(forKey: result.jobID) else {
            return assertionFailure("a result for job \(result.jobID), which is not out")
        }
        schedule.finished(job, retryAt: retryIn.map { MonotonicClock.deadline(after: $0) })
        changed.unparkAll()
    }

    /// For each fetcher that asks, the next job once it may start; closes the source when
    /// every job is finished for good.
    func feed() async throws {
        assert(Hub.current === hub, "a crawl's scheduler is used from its own hub only")
        defer {
            source.jobs.close()
            source.demand?.close()
        }
        while true {
            try await source.demand!.get()  // a fetcher is free
            guard let job = try await nextJob() else { return }
            running[job.id] = job
            try await source.jobs.put(job)
        }
    }

    /// The next job that may start, once it may; nil when none is left.
    private func nextJob() async throws -> CrawlJob? {
        while true {
            let now = MonotonicClock.now()
            switch schedule.next(now: now) {
            case .fetch(let job): return job
            case .waitUntil(let time):
                do {
                    try await changed.park(timeout: Double(time - now) / 1e9)
                } catch is TimeoutError {}
            case .waitForFinish: try await changed.park()
            case .drained: return nil
            }
        }
    }
}
