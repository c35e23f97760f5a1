import Glibc
import Testing
@testable import Greenlet

@Suite("Watchdog")
struct WatchdogTests {
    @Test func aGreenThreadThatBlocksItsHubIsNamedWhileItBlocks() async throws {
        let log = ReportLog()
        let blockerLine = #line + 3
        let reportsWhileBlocked = try await onHub(watchdogMilliseconds: 50, report: log.append) { () async throws -> [String] in
            try await sleep(seconds: 0.01)
            let blocker = spawn("blocker") { () -> [String] in
                usleep(400_000)  // deliberately blocks the hub
                return log.all
            }
            return try await blocker.value
        }
        #expect(reportsWhileBlocked.count == 1)
        let report = try #require(reportsWhileBlocked.first)
        #expect(report.hasPrefix("greenlet: watchdog: hub "))
        #expect(report.contains(" blocked for "))
        #expect(report.hasSuffix("by green thread #2 blocker (spawned at GreenletTests/WatchdogTests.swift:\(blockerLine))"))
        let after = log.all
        #expect(after.count == 2)
        #expect(after.last?.contains("free again after ") == true)
        #expect(after.last?.hasSuffix("blocker (spawned at GreenletTests/WatchdogTests.swift:\(blockerLine))") == true)
    }

    @Test func jobsThatYieldInTimeAreNotReported() async throws {
        let log = ReportLog()
        try await onHub(watchdogMilliseconds: 200, report: log.append) { () async throws in
            let workers = (0..<4).map { _ in
                spawn {
                    for _ in 0..<20 {
                        usleep(2_000)  // short bursts of work between yields
                        await yieldNow()
                    }
                }
            }
            _ = try await joinAll(workers)
        }
        #expect(log.all.isEmpty)
    }
}
