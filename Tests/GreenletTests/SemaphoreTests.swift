import Testing
@testable import Greenlet

@Suite("Semaphore")
struct SemaphoreTests {
    @Test func releasedPermitsGoToTheLongestWaiterFirst() async throws {
        let order = try await onHub { () async throws -> [Int] in
            let semaphore = Semaphore(value: 1)
            try await semaphore.acquire()
            let log = Shared<[Int]>([])
            let waiters = (0..<3).map { i in
                spawn {
                    try await semaphore.acquire()
                    log.value.append(i)
                    semaphore.release()
                }
            }
            await yieldNow()
            #expect(semaphore.permits == 0)
            #expect(!semaphore.tryAcquire())
            semaphore.release()
            _ = try await joinAll(waiters)
            #expect(semaphore.permits == 1)
            return log.value
        }
        #expect(order == [0, 1, 2])
    }

    @Test func aKilledOrTimedOutWaiterTakesNoPermit() async throws {
        let outcome = try await onHub { () async throws -> (Bool, Int) in
            let semaphore = Semaphore(value: 0)
            let killed = spawn { try await semaphore.acquire() }
            let timedOut = spawn { try await semaphore.acquire(timeout: 0.01) }
            let patient = spawn { try await semaphore.acquire() }
            await yieldNow()
            killed.kill()
            await #expect(throws: TimeoutError.self) { try await timedOut.value }
            await #expect(throws: CancellationError.self) { try await killed.value }
            semaphore.release()
            try await patient.value
            semaphore.release()
            return (patient.isFinished, semaphore.permits)
        }
        #expect(outcome == (true, 1))
    }

    @Test func withPermitReleasesOnReturnErrorAndKill() async throws {
        struct Failure: Error {}
        let permits = try await onHub { () async throws -> [Int] in
            let semaphore = Semaphore(value: 2)
            var permits: [Int] = []
            let value = try await semaphore.withPermit { semaphore.permits }
            permits.append(value)
            await #expect(throws: Failure.self) { try await semaphore.withPermit { throw Failure() } }
            permits.append(semaphore.permits)
            let sleeper = spawn { try await semaphore.withPermit { try await sleep(seconds: 60) } }
            await yieldNow()
            permits.append(semaphore.permits)
            sleeper.kill()
            _ = try? await sleeper.value
            permits.append(semaphore.permits)
            return permits
        }
        #expect(permits == [1, 2, 1, 2])
    }

    @Test func permitsReleasedOnOneHubWakeWaitersOnAnother() async throws {
        let semaphore = Semaphore(value: 0)
        let rounds = 500
        let (acquired, _) = try await onHubs({
            for _ in 0..<rounds { try await semaphore.acquire(timeout: 10) }
            return rounds
        }, {
            for i in 0..<rounds {
                semaphore.release()
                if i % 10 == 0 { try await sleep(seconds: 0.0001) }
            }
        })
        #expect(acquired == rounds)
        #expect(semaphore.permits == 0)
    }
}
