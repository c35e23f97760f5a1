import DequeModule
import HeapModule

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
        /// Every job is finished for good.
        case drained
    }

    private struct Host {
        var pending: Deque<CrawlJob> = []
        var active = 0
        /// The earliest next start the rate allows.
        var nextStart: UInt64 = 0
        var isInTurn = false
        /// Whether `timed` holds its next start, so that it is there once.
        var isWaitingForRate = false

        /// Its next job, if the limits let one start at `now`. Called in place
        /// (`hosts[key]!.start`): on a copy, taking a job would copy every pending one.
        mutating func start(now: UInt64, perHost: Int, interval: UInt64) -> CrawlJob? {
            guard !pending.isEmpty, active < perHost, nextStart <= now else { return nil }
            active += 1
            nextStart = now + interval
            return pending.removeFirst()
        }
    }

    /// A time something becomes ready: a retry, or a host's next start.
    private struct Timed: Comparable {
        let at: UInt64
        let order: Int
        let what: What

        enum What {
            case retry(CrawlJob)
            case host(String)
        }

        static func < (a: Timed, b: Timed) -> Bool { (a.at, a.order) < (b.at, b.order) }
        static func == (a: Timed, b: Timed) -> Bool { (a.at, a.order) == (b.at, b.order) }
    }

    let perHost: Int
    /// Nanoseconds between two starts to one host; 0 without a rate.
    let interval: UInt64
    /// The longest gap a rate may ask for: a day.
    static let longestInterval = 86_400.0
    private var hosts: [String: Host] = [:]
    /// Hosts that may have a job to start, in turn order; each is checked when its turn comes.
    private var turns: Deque<String> = []
    /// Jobs without a host.
    private var unhosted: Deque<CrawlJob> = []
    private var timed = Heap<Timed>()
    /// Breaks ties in `timed` by arrival, so equal times keep their order.
    private var timedCount = 0
    /// Jobs handed out or waiting, not yet finished for good.
    private(set) var unfinished = 0

    /// - Parameter rate: starts a second to one host at most; nil for no bound.
    init(perHost: Int, rate: Double?) {
        precondition(perHost >= 1 && (rate ?? 1) > 0)
        self.perHost = perHost
        interval = rate.map { UInt64(min(1 / $0, Self.longestInterval) * 1e9) } ?? 0
    }

    mutating func add(_ job: CrawlJob) {
        unfinished += 1
        enqueue(job)
    }

    private mutating func enqueue(_ job: CrawlJob) {
        guard let key = job.host else { return unhosted.append(job) }
        hosts[key, default: Host()].pending.append(job)
        offerTurn(key)
    }

    /// The next job to start at `now`, or how long to wait for one.
    mutating func next(now: UInt64) -> Decision {
        while let soonest = timed.min, soonest.at <= now {
            switch timed.removeMin().what {
            case .retry(let job): enqueue(job)
            case .host(let key):
                hosts[key]!.isWaitingForRate = false
                offerTurn(key)
            }
        }
        if let job = unhosted.popFirst() { return .fetch(job) }
        while let key = turns.popFirst() {
            hosts[key]!.isInTurn = false
            guard let job = hosts[key]!.start(now: now, perHost: perHost, interval: interval) else {
                let host = hosts[key]!
                if !host.pending.isEmpty, host.active < perHost, !host.isWaitingForRate {
                    hosts[key]!.isWaitingForRate = true
                    schedule(.host(key), at: host.nextStart)
                }
                continue
            }
            offerTurn(key)
            return .fetch(job)
        }
        if let soonest = timed.min { return .waitUntil(soonest.at) }
        return unfinished == 0 ? .drained : .waitForFinish
    }

    /// `job`'s fetch ended; with `retryAt`, it goes again once that time comes, else it is
    /// done for good.
    mutating func finished(_ job: CrawlJob, retryAt: UInt64? = nil) {
        if let key = job.host {
            hosts[key]!.active -= 1
            offerTurn(key)
        }
        guard let retryAt else {
            unfinished -= 1
            return
        }
        var again = job
        again.attempt += 1
        schedule(.retry(again), at: retryAt)
    }

    private mutating func schedule(_ what: Timed.What, at time: UInt64) {
        timedCount += 1
        timed.insert(Timed(at: time, order: timedCount, what: what))
    }

    /// Puts `key` in line for a turn unless it is already; `next` checks what it may start.
    private mutating func offerTurn(_ key: String) {
        guard let host = hosts[key], !host.isInTurn, !host.pending.isEmpty, host.active < perHost else { return }
        hosts[key]!.isInTurn = true
        turns.append(key)
    }
}
