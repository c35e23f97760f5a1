import DequeModule
import GreenletHTTP

/// Which URL a crawl fetches next: the politeness rules (at most `perHost` fetches at once
/// to one host, at most `rate` starts a second to it) and the retries waiting for their
/// time, as a state machine with the clock passed in, so that it is tested without waiting.
///
/// Hosts take turns (round robin) among those free to start, so a host at its limit or
/// waiting for its rate never holds back the others. A line that is not a URL has no host
/// and is never held back: it fails without a connection.
struct CrawlSchedule {
    /// What `next` says.
    enum Decision: Equatable {
        case fetch(CrawlJob)
        /// Nothing may start before this time (nanoseconds, `MonotonicClock`), unless a
        /// fetch finishes first.
        case waitUntil(UInt64)
        /// Nothing may start until a fetch finishes.
        case waitForFinish
        /// Every job has had its last attempt handed out.
        case drained
    }

    private struct Host {
        var pending: Deque<CrawlJob> = []
        var active = 0
        /// The earliest next start the rate allows.
        var nextStart: UInt64 = 0
        var isInTurn = false
    }

    let perHost: Int
    /// Nanoseconds between two starts to one host; 0 without a rate.
    let interval: UInt64
    private var hosts: [String: Host] = [:]
    /// Hosts that may have a job to start, in turn order; each is checked when its turn comes.
    private var turns: Deque<String> = []
    /// Jobs without a host, and retries that came due.
    private var unhosted: Deque<CrawlJob> = []
    /// Retries not yet due, with their time, and hosts waiting for their rate.
    private var timed: [(at: UInt64, job: CrawlJob?, host: String?)] = []
    /// Jobs handed out or waiting, not yet given up or finished for good.
    private(set) var unfinished = 0

    /// - Parameter rate: starts a second to one host at most; nil for no bound.
    init(perHost: Int, rate: Double?) {
        precondition(perHost >= 1)
        self.perHost = perHost
        interval = rate.map { UInt64(1e9 / $0) } ?? 0
    }

    /// The host a line's fetch connects to, lowercased: nil for a line that is not a URL.
    static func host(of line: String) -> String? {
        (try? HTTPURL(parsing: line))?.host.lowercased()
    }

    mutating func add(_ job: CrawlJob) {
        unfinished += 1
        enqueue(job)
    }

    private mutating func enqueue(_ job: CrawlJob) {
        guard let key = Self.host(of: job.line) else { return unhosted.append(job) }
        hosts[key, default: Host()].pending.append(job)
        offerTurn(key)
    }

    /// The next job to start at `now`, or how long to wait for one.
    mutating func next(now: UInt64) -> Decision {
        let due = timed.filter { $0.at <= now }
        timed.removeAll { $0.at <= now }
        for entry in due {
            if let job = entry.job { enqueue(job) } else if let host = entry.host { offerTurn(host) }
        }
        if let job = unhosted.popFirst() { return .fetch(job) }
        while let key = turns.popFirst() {
            hosts[key]!.isInTurn = false
            var host = hosts[key]!
            guard !host.pending.isEmpty, host.active < perHost else { continue }
            if host.nextStart > now {
                timed.append((host.nextStart, nil, key))
                continue
            }
            let job = host.pending.removeFirst()
            host.active += 1
            host.nextStart = now + interval
            hosts[key] = host
            offerTurn(key)
            return .fetch(job)
        }
        if let soonest = timed.map(\.at).min() { return .waitUntil(soonest) }
        return unfinished == 0 ? .drained : .waitForFinish
    }

    /// `job`'s fetch ended; with `retryAt`, it goes again once that time comes, else it is
    /// done for good.
    mutating func finished(_ job: CrawlJob, retryAt: UInt64? = nil) {
        if let key = Self.host(of: job.line) {
            hosts[key]!.active -= 1
            offerTurn(key)
        }
        guard let retryAt else {
            unfinished -= 1
            return
        }
        var again = job
        again.attempt += 1
        timed.append((retryAt, again, nil))
    }

    /// Puts `key` in line for a turn unless it is already; `next` checks what it may start.
    private mutating func offerTurn(_ key: String) {
        guard let host = hosts[key], !host.isInTurn, !host.pending.isEmpty, host.active < perHost else { return }
        hosts[key]!.isInTurn = true
        turns.append(key)
    }
}
