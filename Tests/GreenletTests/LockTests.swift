import Testing
@testable import Greenlet

@Suite("Lock")
struct LockTests {
    @Test func sectionsThatWaitDoNotInterleave() async throws {
        let log = try await onHub { () async throws -> [String] in
            let lock = Lock()
            let log = Shared<[String]>([])
            let threads = (0..<3).map { i in
                spawn {
                    try await lock.withLock {
                        log.value.append("in \(i)")
                        try await sleep(seconds: 0.002)
                        log.value.append("out \(i)")
                    }
                }
            }
            _ = try await joinAll(threads)
            #expect(!lock.isLocked)
            return log.value
        }
        #expect(log == ["in 0", "out 0", "in 1", "out 1", "in 2", "out 2"])
    }

    @Test func withLockReleasesOnErrorAndOnKill() async throws {
        struct Failure: Error {}
        let states = try await onHub { () async throws -> [Bool] in
            let lock = Lock()
            var states: [Bool] = []
            await #expect(throws: Failure.self) { try await lock.withLock { throw Failure() } }
            states.append(lock.isLocked)
            let holder = spawn { try await lock.withLock { try await sleep(seconds: 60) } }
            await yieldNow()
            states.append(lock.isLocked)
            let waiter = spawn { try await lock.lock(timeout: 5) }
            await yieldNow()
            holder.kill()
            try await waiter.value  // got the lock the killed holder released
            states.append(lock.isLocked)
            lock.unlock()
            states.append(lock.tryLock())
            return states
        }
        #expect(states == [false, true, true, true])
    }

    @Test func lockTimesOutWithoutTakingIt() async throws {
        try await onHub {
            let lock = Lock()
            try await lock.lock()
            await #expect(throws: TimeoutError(seconds: 0.01)) { try await lock.lock(timeout: 0.01) }
            lock.unlock()
            #expect(!lock.isLocked)
        }
    }
}
