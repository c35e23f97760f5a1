import Foundation
import Synchronization
import Testing
@testable import Greenlet

@Suite("WorkerPool")
struct WorkerPoolTests {
    @Test func jobsSubmittedTogetherRunOnSeparateThreads() {
        var serialised = 0
        for _ in 0..<20 {
            let pool = WorkerPool(maxThreads: 4)
            let warm = DispatchSemaphore(value: 0)
            pool.submit { warm.signal() }
            warm.wait()
            usleep(20_000)  // the one worker is idle now
            let partnerRan = DispatchSemaphore(value: 0)
            let done = DispatchSemaphore(value: 0)
            let sawPartner = Atomic<Bool>(false)
            pool.submit {
                sawPartner.store(partnerRan.wait(timeout: .now() + 0.5) == .success, ordering: .relaxed)
                done.signal()
            }
            pool.submit { partnerRan.signal() }
            done.wait()
            if !sawPartner.load(ordering: .relaxed) { serialised += 1 }
        }
        #expect(serialised == 0, "in \(serialised) of 20 tries the second job waited behind the first")
    }

    @Test func blockingCallsOverlap() async throws {
        let elapsed = try await onHub { () async throws -> Double in
            try await measure {
                let calls = (0..<4).map { _ in spawn { try await blocking { usleep(200_000) } } }
                _ = try await joinAll(calls)
            }
        }
        #expect(elapsed < 0.7, "four 0.2 s calls took \(elapsed) s")
    }
}
