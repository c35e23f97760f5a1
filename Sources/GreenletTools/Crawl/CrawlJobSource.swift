import Greenlet

/// Where a crawl's fetchers take their jobs, in every model: a free fetcher first says so,
/// then waits for a job, so that the scheduler decides each job only when a fetcher can
/// start it at once (a `--rate` counts starts, not decisions made ahead of them).
struct CrawlJobSource: Sendable {
    let jobs: Queue<CrawlJob>
    /// One token per free fetcher; nil where jobs are put without being asked for.
    let demand: Queue<Void>?

    /// The next job; nil once the crawl has none left.
    func next() async -> CrawlJob? {
        if let demand { _ = try? demand.tryPut(()) }  // unbounded: never waits
        return try? await jobs.get()
    }
}
