import Glibc
import Greenlet
import GreenletClient
import GreenletHTTP

/// One attempt at a crawl line, fetched the same way in every mode: parsed, fetched with
/// the mode's client, hashed, maybe saved, timed, and judged worth another attempt or not.
struct CrawlFetcher {
    let client: HTTPClient
    let save: SaveDirectory?
    /// True on a hub shared by many green threads, where file writes go to a worker thread.
    let offloadWrites: Bool

    func fetch(_ job: CrawlJob) async -> CrawlResult {
        let started = MonotonicClock.now()
        var result = await fetchUntimed(job.line)
        result.milliseconds = Double(MonotonicClock.now() - started) / 1e6
        result.jobID = job.id
        result.attempts = job.attempt
        return result
    }

    private func fetchUntimed(_ line: String) async -> CrawlResult {
        var result = CrawlResult(url: line)
        let url: HTTPURL
        do {
            url = try HTTPURL(parsing: line)
        } catch {
            result.error = error.description
            return result
        }
        let sink = CrawlSink(save: save, offloadWrites: offloadWrites)
        let report = await client.get(url, into: sink)
        result.status = report.status
        result.finalURL = report.finalURL?.description
        result.bytes = sink.byteCount
        let asked = report.retryAfter.flatMap { RetryAfter.seconds($0, now: time(nil)) } ?? 0
        if let error = report.error {
            result.error = error.description
            result.retryAfter = error.isTransient ? asked : nil
            sink.abandon()
        } else {
            result.sha256 = sink.digest()
        }
        if let status = report.status, status == 429 || (500...599).contains(status) { result.retryAfter = asked }
        return result
    }
}
