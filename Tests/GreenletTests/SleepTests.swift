import Foundation
import Testing
@testable import Greenlet

@Suite("Sleep")
struct SleepTests {
    @Test func sleepLastsAboutAsLongAsAsked() async throws {
        let elapsed = try await onHub { () async throws -> Double in
            try await measure { try await sleep(seconds: 0.05) }
        }
        #expect(elapsed >= 0.045)
        #expect(elapsed < 1)
    }

    @Test func sleepersWakeInDeadlineOrder() async throws {
        let order = try await onHub { () async throws -> [Int] in
            let log = Shared<[Int]>([])
            // 100 ms apart: each sleeper's deadline is taken when it first runs, and under a
            // sanitizer on a loaded machine one turn of the loop can stall for tens of ms.
            let sleepers = [300, 100, 200].map { ms in
                spawn {
                    try await sleep(seconds: Double(ms) / 1000)
                    log.value.append(ms)
                }
            }
            _ = try await joinAll(sleepers)
            return log.value
        }
        #expect(order == [100, 200, 300])
    }

    @Test func aZeroOrNegativeSleepReturnsAtOnce() async throws {
        let elapsed = try await onHub { () async throws -> Double in
            try await measure {
                try await sleep(seconds: 0)
                try await sleep(seconds: -1)
            }
        }
        #expect(elapsed < 0.5)
    }
}

extension SleepTests {
    @Test func sleepZeroLetsTheOthersRun() async throws {
        let spins = try await onHub { () async throws -> Int in
            let flag = Shared(false)
            spawn { flag.value = true }
            var spins = 0
            while !flag.value && spins < 100_000 {
                try await sleep(seconds: 0)
                spins += 1
            }
            return spins
        }
        #expect(spins < 100_000, "the other green thread never ran during \(spins) sleep(0) calls")
    }
}
