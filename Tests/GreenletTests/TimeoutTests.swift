import Foundation
import Testing
@testable import Greenlet

@Suite("Timeout")
struct TimeoutTests {
    @Test func aTimeoutInterruptsTheWaitAndRunsCleanup() async throws {
        let (error, cleaned, elapsed, eventsLeft) = try await onHub { () async throws -> (TimeoutError?, Bool, Double, Int) in
            let hub = try #require(Hub.current)
            let before = hub.registeredEventCount
            let cleaned = Shared(false)
            var caught: TimeoutError?
            let elapsed = try await measure {
                do {
                    try await withTimeout(seconds: 0.05) {
                        defer { cleaned.value = true }
                        try await sleep(seconds: 10)
                    }
                } catch let error as TimeoutError {
                    caught = error
                }
            }
            return (caught, cleaned.value, elapsed, hub.registeredEventCount - before)
        }
        #expect(error == TimeoutError(seconds: 0.05))
        #expect(cleaned)
        #expect(elapsed < 2)
        #expect(eventsLeft == 0)
    }

    @Test func workThatFinishesInTimeReturnsItsValue() async throws {
        let value = try await onHub {
            try await withTimeout(seconds: 5) {
                try await sleep(seconds: 0.01)
                return "done"
            }
        }
        #expect(value == "done")
    }

    @Test func theEarlierOfNestedDeadlinesWins() async throws {
        let seconds = try await onHub { () async throws -> Double? in
            do {
                try await withTimeout(seconds: 0.05) {
                    try await withTimeout(seconds: 10) {
                        try await sleep(seconds: 10)
                    }
                }
                return nil
            } catch let error as TimeoutError {
                return error.seconds
            }
        }
        #expect(seconds == 0.05)
    }

    @Test func aTimeoutReachesReadsAndJoins() async throws {
        let outcomes = try await onHub { () async throws -> [Bool] in
            let (client, server) = try await connectedPair()
            defer { server.close() }
            let sleeper = spawn { try await sleep(seconds: 10) }
            defer { sleeper.kill() }
            var outcomes: [Bool] = []
            for wait in [{ _ = try await client.recv() }, { try await sleeper.value }] as [() async throws -> Void] {
                do {
                    try await withTimeout(seconds: 0.02, wait)
                    outcomes.append(false)
                } catch is TimeoutError {
                    outcomes.append(true)
                }
            }
            return outcomes
        }
        #expect(outcomes == [true, true])
    }

    @Test func anExpiredDeadlineFailsTheNextWaitAtOnce() async throws {
        let timedOut = try await onHub { () async throws -> Bool in
            do {
                try await withTimeout(seconds: 0) { try await sleep(seconds: 1) }
                return false
            } catch is TimeoutError {
                return true
            }
        }
        #expect(timedOut)
    }

    // MARK: - Swift cancellation at the deadline

    /// Runs `body` under `withTimeout(seconds:)` and returns the seconds of the
    /// `TimeoutError` it threw (nil when none) and how long it took.
    static func timing(_ seconds: Double, _ body: () async throws -> Void) async throws -> (timedOut: Double?, elapsed: Double) {
        var timedOut: Double?
        let elapsed = try await measure {
            do {
                try await withTimeout(seconds: seconds, body)
            } catch let error as TimeoutError {
                timedOut = error.seconds
            }
        }
        return (timedOut, elapsed)
    }

    @Test func theDeadlineEndsTaskSleep() async throws {
        let (timedOut, elapsed) = try await onHub {
            try await Self.timing(0.1) { try await Task.sleep(nanoseconds: 2_000_000_000) }
        }
        #expect(timedOut == 0.1)
        #expect(elapsed >= 0.095 && elapsed < 0.6, "took \(elapsed) s")
    }

    @Test func theDeadlineEndsAnAsyncStreamLoop() async throws {
        let (timedOut, elapsed) = try await onHub { () async throws -> (Double?, Double) in
            let (stream, continuation) = AsyncStream<Int>.makeStream()
            defer { continuation.finish() }
            return try await Self.timing(0.1) {
                for await _ in stream {}
            }
        }
        #expect(timedOut == 0.1)
        #expect(elapsed < 0.6, "took \(elapsed) s")
    }

    @Test func theDeadlineReachesEveryChildOfATaskGroupInTheBody() async throws {
        let (timedOut, ended) = try await onHub { () async throws -> (Double?, [String]) in
            let ended = Shared<[String]>([])
            let (timedOut, _) = try await Self.timing(0.05) {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        defer { ended.value.append("Task.sleep") }
                        try await Task.sleep(nanoseconds: 5_000_000_000)
                    }
                    group.addTask {
                        defer { ended.value.append("sleep") }
                        try await sleep(seconds: 5)
                    }
                    try await group.waitForAll()
                }
            }
            return (timedOut, ended.value.sorted())
        }
        #expect(timedOut == 0.05)
        #expect(ended == ["Task.sleep", "sleep"])
    }

    @Test func theInnerTimeoutThatExpiresIsTheOneReported() async throws {
        let seconds = try await onHub { () async throws -> [Double?] in
            let innerFirst = try await Self.timing(2) {
                try await withTimeout(seconds: 0.05) { try await Task.sleep(nanoseconds: 5_000_000_000) }
            }
            let outerFirst = try await Self.timing(0.06) {
                try await withTimeout(seconds: 3) { try await Task.sleep(nanoseconds: 5_000_000_000) }
            }
            return [innerFirst.timedOut, outerFirst.timedOut]
        }
        #expect(seconds == [0.05, 0.06])
    }

    @Test func aTimeoutLeavesTheCallerUncancelled() async throws {
        let (value, cancelledAfter) = try await onHub { () async throws -> (String, Bool) in
            let value = try await withTimeout(seconds: 5) { () async throws -> String in
                do {
                    try await withTimeout(seconds: 0.02) { try await Task.sleep(nanoseconds: 5_000_000_000) }
                    return "not timed out"
                } catch is TimeoutError {
                    // The enclosing body goes on: its own awaits are not cancelled.
                    try await Task.sleep(nanoseconds: 10_000_000)
                    try await sleep(seconds: 0.01)
                    return "went on"
                }
            }
            return (value, Task.isCancelled)
        }
        #expect(value == "went on")
        #expect(!cancelledAfter)
    }

    @Test func aKillDuringTheBodyIsACancellationNotATimeout() async throws {
        let (outcome, elapsed) = try await onHub { () async throws -> (String, Double) in
            let sleeper = spawn { () async throws -> Void in
                try await withTimeout(seconds: 10) { try await Task.sleep(nanoseconds: 10_000_000_000) }
            }
            try await sleep(seconds: 0.02)
            var outcome = "returned"
            let elapsed = await measure {
                sleeper.kill()
                do {
                    try await sleeper.value
                } catch is CancellationError {
                    outcome = "cancelled"
                } catch {
                    outcome = "\(error)"
                }
            }
            return (outcome, elapsed)
        }
        #expect(outcome == "cancelled")
        #expect(elapsed < 1, "took \(elapsed) s")
    }
}
