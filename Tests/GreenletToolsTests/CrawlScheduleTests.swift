import Testing
@testable import GreenletTools

@Suite("CrawlSchedule")
struct CrawlScheduleTests {
    let t0: UInt64 = 1_000_000_000

    private func schedule(perHost: Int, rate: Double? = nil, _ lines: [String]) -> (CrawlSchedule, [CrawlJob]) {
        var schedule = CrawlSchedule(perHost: perHost, rate: rate)
        let jobs = lines.enumerated().map { CrawlJob(id: $0.offset, line: $0.element) }
        for job in jobs { schedule.add(job) }
        return (schedule, jobs)
    }

    @Test func atMostPerHostJobsToOneHostAreHandedOut() {
        var (schedule, jobs) = schedule(perHost: 2, (1...5).map { "http://a.example/\($0)" })
        #expect(schedule.next(now: t0) == .fetch(jobs[0]))
        #expect(schedule.next(now: t0) == .fetch(jobs[1]))
        #expect(schedule.next(now: t0) == .waitForFinish)
        #expect(schedule.next(now: t0 + 10_000_000_000) == .waitForFinish)
    }

    @Test func finishingOneJobReleasesExactlyOneMore() {
        var (schedule, jobs) = schedule(perHost: 2, (1...5).map { "http://a.example/\($0)" })
        _ = schedule.next(now: t0)
        _ = schedule.next(now: t0)
        schedule.finished(jobs[0])
        #expect(schedule.next(now: t0) == .fetch(jobs[2]))
        #expect(schedule.next(now: t0) == .waitForFinish)
        schedule.finished(jobs[1])
        schedule.finished(jobs[2])
        #expect(schedule.next(now: t0) == .fetch(jobs[3]))
        #expect(schedule.next(now: t0) == .fetch(jobs[4]))
        #expect(schedule.next(now: t0) == .waitForFinish)
    }

    @Test func aHostAtItsLimitDoesNotHoldBackTheOthers() {
        let lines = ["http://a.example/1", "http://a.example/2", "http://a.example/3", "http://a.example/4",
                     "http://b.example/1", "http://b.example/2"]
        var (schedule, jobs) = schedule(perHost: 1, lines)
        #expect(schedule.next(now: t0) == .fetch(jobs[0]))
        #expect(schedule.next(now: t0) == .fetch(jobs[4]))
        #expect(schedule.next(now: t0) == .waitForFinish)
        schedule.finished(jobs[4])
        #expect(schedule.next(now: t0) == .fetch(jobs[5]))
        #expect(schedule.next(now: t0) == .waitForFinish)
        schedule.finished(jobs[0])
        #expect(schedule.next(now: t0) == .fetch(jobs[1]))
    }

    @Test func hostsTakeTurns() {
        let lines = ["http://a.example/1", "http://a.example/2", "http://a.example/3",
                     "http://b.example/1", "http://b.example/2", "http://c.example/1"]
        var (schedule, _) = schedule(perHost: 5, lines)
        var order: [Int] = []
        while case .fetch(let job) = schedule.next(now: t0) { order.append(job.id) }
        #expect(order == [0, 3, 5, 1, 4, 2])
    }

    @Test func aLineThatIsNoURLIsHandedOutAtOnce() {
        var (schedule, jobs) = schedule(perHost: 1, rate: 1, ["http://a.example/1", "http://a.example/2"])
        #expect(schedule.next(now: t0) == .fetch(jobs[0]))
        #expect(schedule.next(now: t0) == .waitForFinish)
        let bad = CrawlJob(id: 2, line: "not a url")
        let worse = CrawlJob(id: 3, line: "ftp://a.example/x")
        schedule.add(bad)
        schedule.add(worse)
        #expect(schedule.next(now: t0) == .fetch(bad))
        #expect(schedule.next(now: t0) == .fetch(worse))
        #expect(schedule.unfinished == 4)
        schedule.finished(bad)
        schedule.finished(worse)
        #expect(schedule.unfinished == 2)
        #expect(schedule.next(now: t0) == .waitForFinish)
        schedule.finished(jobs[0])
        #expect(schedule.next(now: t0 + 1_000_000_000) == .fetch(jobs[1]))
    }

    @Test func aLineThatIsNoURLGoesAheadOfWaitingHosts() {
        var (schedule, jobs) = schedule(perHost: 1, ["http://a.example/1", "not a url"])
        #expect(schedule.next(now: t0) == .fetch(jobs[1]))
        #expect(schedule.next(now: t0) == .fetch(jobs[0]))
    }

    @Test func hostsCompareCaseInsensitivelyAndIgnoreThePort() {
        var (schedule, jobs) = schedule(perHost: 1, ["HTTP://A.example/1", "http://a.example/2", "http://a.EXAMPLE:8080/3", "https://a.example/4"])
        #expect(CrawlJob(id: 0, line: "HTTP://A.Example:8080/x").host == "a.example")
        #expect(CrawlJob(id: 0, line: "not a url").host == nil)
        #expect(schedule.next(now: t0) == .fetch(jobs[0]))
        #expect(schedule.next(now: t0) == .waitForFinish)
        schedule.finished(jobs[0])
        #expect(schedule.next(now: t0) == .fetch(jobs[1]))
        #expect(schedule.next(now: t0) == .waitForFinish)
        schedule.finished(jobs[1])
        #expect(schedule.next(now: t0) == .fetch(jobs[2]))
        #expect(schedule.next(now: t0) == .waitForFinish)
    }

    @Test func theRateSpacesStartsToOneHostButNotToOthers() {
        var (schedule, jobs) = schedule(perHost: 5, rate: 10, ["http://a.example/1", "http://a.example/2", "http://b.example/1"])
        #expect(schedule.interval == 100_000_000)
        #expect(schedule.next(now: t0) == .fetch(jobs[0]))
        #expect(schedule.next(now: t0) == .fetch(jobs[2]))
        #expect(schedule.next(now: t0) == .waitUntil(t0 + 100_000_000))
        #expect(schedule.next(now: t0 + 99_999_999) == .waitUntil(t0 + 100_000_000))
        #expect(schedule.next(now: t0 + 100_000_000) == .fetch(jobs[1]))
        #expect(schedule.next(now: t0 + 100_000_000) == .waitForFinish)
    }

    @Test func aHostWaitingForItsRateDoesNotHoldBackANewHost() {
        var (schedule, jobs) = schedule(perHost: 5, rate: 10, ["http://a.example/1", "http://a.example/2"])
        #expect(schedule.next(now: t0) == .fetch(jobs[0]))
        #expect(schedule.next(now: t0) == .waitUntil(t0 + 100_000_000))
        let late = CrawlJob(id: 2, line: "http://b.example/1")
        schedule.add(late)
        #expect(schedule.next(now: t0 + 50_000_000) == .fetch(late))
        #expect(schedule.next(now: t0 + 50_000_000) == .waitUntil(t0 + 100_000_000))
        #expect(schedule.next(now: t0 + 100_000_000) == .fetch(jobs[1]))
    }

    @Test func aRetryComesBackWithTheNextAttemptOnlyWhenItIsDue() {
        var (schedule, jobs) = schedule(perHost: 1, ["http://a.example/1"])
        let retryAt = t0 + 2_000_000_000
        #expect(schedule.next(now: t0) == .fetch(jobs[0]))
        schedule.finished(jobs[0], retryAt: retryAt)
        #expect(schedule.unfinished == 1)
        #expect(schedule.next(now: t0) == .waitUntil(retryAt))
        #expect(schedule.next(now: retryAt - 1) == .waitUntil(retryAt))
        let again = CrawlJob(id: 0, line: "http://a.example/1", attempt: 2)
        #expect(schedule.next(now: retryAt) == .fetch(again))
        #expect(schedule.next(now: retryAt) == .waitForFinish)
        schedule.finished(again, retryAt: retryAt + 1)
        #expect(schedule.next(now: retryAt + 5) == .fetch(CrawlJob(id: 0, line: "http://a.example/1", attempt: 3)))
    }

    @Test func aRetryOfALineThatIsNoURLComesBackToo() {
        var (schedule, jobs) = schedule(perHost: 1, ["not a url"])
        #expect(schedule.next(now: t0) == .fetch(jobs[0]))
        schedule.finished(jobs[0], retryAt: t0 + 10)
        #expect(schedule.next(now: t0) == .waitUntil(t0 + 10))
        #expect(schedule.next(now: t0 + 10) == .fetch(CrawlJob(id: 0, line: "not a url", attempt: 2)))
    }

    @Test func drainedOnlyOnceEveryJobFinishedForGood() {
        var (schedule, jobs) = schedule(perHost: 2, ["http://a.example/1", "http://b.example/1"])
        #expect(schedule.next(now: t0) == .fetch(jobs[0]))
        #expect(schedule.next(now: t0) == .fetch(jobs[1]))
        #expect(schedule.next(now: t0) == .waitForFinish)
        schedule.finished(jobs[0])
        #expect(schedule.next(now: t0) == .waitForFinish)
        schedule.finished(jobs[1], retryAt: t0 + 500)
        #expect(schedule.unfinished == 1)
        #expect(schedule.next(now: t0) == .waitUntil(t0 + 500))
        let again = CrawlJob(id: 1, line: "http://b.example/1", attempt: 2)
        #expect(schedule.next(now: t0 + 500) == .fetch(again))
        #expect(schedule.next(now: t0 + 500) == .waitForFinish)
        schedule.finished(again)
        #expect(schedule.unfinished == 0)
        #expect(schedule.next(now: t0 + 500) == .drained)
    }

    @Test func anEmptyScheduleIsDrained() {
        var schedule = CrawlSchedule(perHost: 1, rate: nil)
        #expect(schedule.next(now: 0) == .drained)
    }

    @Test func jobIDsKeepRepeatedLinesApart() {
        var (schedule, jobs) = schedule(perHost: 1, ["http://a.example/x", "http://a.example/x"])
        #expect(jobs[0] != jobs[1])
        #expect(schedule.next(now: t0) == .fetch(jobs[0]))
        #expect(schedule.next(now: t0) == .waitForFinish)
        schedule.finished(jobs[0])
        #expect(schedule.next(now: t0) == .fetch(jobs[1]))
        schedule.finished(jobs[1])
        #expect(schedule.next(now: t0) == .drained)
    }
}
