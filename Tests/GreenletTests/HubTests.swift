import Foundation
import Testing
@testable import Greenlet

@Suite("Hub")
struct HubTests {
    @Test func runReturnsTheRootValue() async throws {
        let value = try await onHub { 6 * 7 }
        #expect(value == 42)
    }

    @Test func runRethrowsTheRootError() async throws {
        struct Boom: Error {}
        await #expect(throws: Boom.self) {
            try await onHub { () async throws -> Int in throw Boom() }
        }
    }

    @Test func spawnedThreadsRunInOrderWhenTheSpawnerWaits() async throws {
        let order = try await onHub { () async throws -> [String] in
            let log = Shared<[String]>([])
            let a = spawn { log.value.append("a") }
            let b = spawn { log.value.append("b"); await yieldNow(); log.value.append("b2") }
            let c = spawn { log.value.append("c") }
            log.value.append("root")
            try await a.value
            try await b.value
            try await c.value
            return log.value
        }
        #expect(order == ["root", "a", "b", "c", "b2"])
    }

    @Test func everyLineRunsOnTheHubThread() async throws {
        let threads = try await onHub { () async throws -> [pthread_t] in
            var seen = [currentThread()]
            try await sleep(seconds: 0.001)
            seen.append(currentThread())
            await yieldNow()
            seen.append(currentThread())
            _ = try await blocking { 1 }
            seen.append(currentThread())
            let child = spawn { currentThread() }
            seen.append(try await child.value)
            let (client, server) = try await connectedPair()
            try await client.sendAll(Array("x".utf8))
            _ = try await server.recv()
            seen.append(currentThread())
            return seen
        }
        #expect(threads.allSatisfy { pthread_equal($0, threads[0]) != 0 })
        #expect(pthread_equal(threads[0], pthread_self()) == 0)
    }

    @Test func aContinuationResumedOnAnotherThreadComesBackToTheHub() async throws {
        let (hubThread, resumedOn, workerThread) = try await onHub { () async throws -> (pthread_t, pthread_t, pthread_t) in
            let hubThread = currentThread()
            let worker = Shared(pthread_self())
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                Thread {
                    worker.value = pthread_self()
                    continuation.resume()
                }.start()
            }
            return (hubThread, currentThread(), worker.value)
        }
        #expect(pthread_equal(hubThread, resumedOn) != 0)
        #expect(pthread_equal(hubThread, workerThread) == 0)
    }

    @Test func tenThousandGreenThreadsRunConcurrently() async throws {
        let (sum, elapsed) = try await onHub { () async throws -> (Int, Double) in
            var threads: [GreenThread<Int>] = []
            let started = Date()
            for i in 0..<10_000 {
                threads.append(spawn {
                    try await sleep(seconds: 0.2)
                    return i
                })
            }
            let values = try await joinAll(threads)
            return (values.reduce(0, +), Date().timeIntervalSince(started))
        }
        #expect(sum == (0..<10_000).reduce(0, +))
        // 10,000 sleeps of 0.2 s overlap: one after another they would take 2,000 s.
        #expect(elapsed < 20)
    }

    @Test func greenThreadsLeftWhenTheRootEndsAreKilledAndCleanedUp() async throws {
        let cleaned = Shared(false)
        try await onHub {
            spawn {
                defer { cleaned.value = true }
                try await sleep(seconds: 60)
            }
            await yieldNow()
        }
        #expect(cleaned.value)
    }

    @Test func anIdleHubSleepsWithoutBurningCPU() async throws {
        let cpu = try await onHub { () async throws -> Double in
            let before = threadCPUSeconds()
            try await sleep(seconds: 0.5)
            return threadCPUSeconds() - before
        }
        #expect(cpu < 0.1)
    }
}

/// CPU time of the calling thread.
func threadCPUSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

extension HubTests {
    @Test func greenThreadsSpawnedByExitCleanupAreKilledToo() async throws {
        let cleaned = Shared(false)
        let elapsed = try await secondsOfHubRun {
            spawn {
                do {
                    try await sleep(seconds: 60)
                } catch {
                    spawn {
                        defer { cleaned.value = true }
                        try await sleep(seconds: 60)
                    }
                    throw error
                }
            }
            await yieldNow()
        }
        #expect(cleaned.value, "the late green thread's cleanup never ran")
        // Killed, not waited out: well under the 60 s sleeps (generous for a loaded machine).
        #expect(elapsed < 5, "Hub.run took \(elapsed) s")
    }
}

extension HubTests {
    @Test(.timeLimit(.minutes(1)))
    func aGreenThreadThatOnlyYieldsDoesNotKeepTheHubFromExiting() async throws {
        let elapsed = try await secondsOfHubRun {
            spawn {
                while true { await yieldNow() }
            }
            await yieldNow()
        }
        // It ignores its kill, so the hub gives up on it after a second and returns.
        #expect(elapsed < 5)
    }

    #if DEBUG
    @Test func debugBuildsNameTheGreenThreadsLeftWhenTheRootEnds() async throws {
        let log = ReportLog()
        let leakLine = #line + 2
        try await onHub(report: log.append) { () async throws in
            spawn("forgotten") { try await sleep(seconds: 60) }
            await yieldNow()
        }
        #expect(log.all.count == 1)
        let line = try #require(log.all.first)
        #expect(line.hasPrefix("greenlet: hub exiting with 1 live green thread(s), killing: #2 forgotten (spawned at GreenletTests/HubTests.swift:\(leakLine), waiting on sleep 59."))
    }
    #endif
}

