import Testing
@testable import Greenlet

@Suite("Event")
struct EventTests {
    @Test func setWakesEveryWaiterInTheOrderTheyCame() async throws {
        let order = try await onHub { () async throws -> [Int] in
            let event = Event()
            let log = Shared<[Int]>([])
            let waiters = (0..<3).map { i in spawn { try await event.wait(); log.value.append(i) } }
            await yieldNow()
            #expect(log.value.isEmpty)
            event.set()
            _ = try await joinAll(waiters)
            try await event.wait()  // set: returns at once
            return log.value
        }
        #expect(order == [0, 1, 2])
    }

    @Test func clearMakesLaterWaitsParkAgain() async throws {
        let outcome = try await onHub { () async throws -> (Bool, Bool) in
            let event = Event()
            event.set()
            event.clear()
            let waiter = spawn { try await event.wait() }
            await yieldNow()
            let parked = !waiter.isFinished
            event.set()
            try await waiter.value
            return (parked, event.isSet)
        }
        #expect(outcome == (true, true))
    }

    @Test func aTimedOutOrKilledWaiterThrowsAndTheOthersStillWake() async throws {
        let outcome = try await onHub { () async throws -> (TimeoutError?, Bool, Bool) in
            let event = Event()
            let timedOut = spawn { try await event.wait(timeout: 0.01) }
            let killed = spawn { try await event.wait() }
            let patient = spawn { try await event.wait() }
            await yieldNow()
            killed.kill()
            let timeout = await #expect(throws: TimeoutError.self) { try await timedOut.value }
            let wasKilled = await (try? killed.value) == nil
            event.set()
            try await patient.value
            return (timeout, wasKilled, patient.isFinished)
        }
        #expect(outcome.0 == TimeoutError(seconds: 0.01))
        #expect(outcome.1 && outcome.2)
    }

    @Test func setOnOneHubWakesWaitersOnAnother() async throws {
        let event = Event()
        let ready = Event()
        let (waiting, setting) = try await onHubs({
            ready.set()
            try await event.wait(timeout: 10)
            return 1
        }, {
            try await ready.wait(timeout: 10)
            try await sleep(seconds: 0.02)
            event.set()
            return 2
        })
        #expect([waiting, setting] == [1, 2])
    }
}
