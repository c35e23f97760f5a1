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
}
