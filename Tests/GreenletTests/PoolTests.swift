import Testing
@testable import Greenlet

@Suite("Pool")
struct PoolTests {
    struct Failure: Error, Equatable { let input: Int }

    @Test func spawnWaitsWhileThePoolIsFull() async throws {
        let (peak, ran) = try await onHub { () async throws -> (Int, Int) in
            let pool = Pool(size: 3)
            let running = Shared(0), peak = Shared(0), ran = Shared(0)
            for _ in 0..<10 {
                try await pool.spawn {
                    running.value += 1
                    peak.value = max(peak.value, running.value)
                    #expect(pool.count <= 3)
                    try await sleep(seconds: 0.002)
                    running.value -= 1
                    ran.value += 1
                }
            }
            try await pool.joinAll()
            return (peak.value, ran.value)
        }
        #expect(peak == 3)
        #expect(ran == 10)
    }

    @Test func mapKeepsInputOrder() async throws {
        let outputs = try await onHub { () async throws -> [String] in
            let pool = Pool(size: 4)
            // Later inputs finish first: the order must still be the inputs'.
            return try await pool.map(0..<12) { input in
                try await sleep(seconds: Double(12 - input) * 0.001)
                return "#\(input)"
            }
        }
        #expect(outputs == (0..<12).map { "#\($0)" })
    }

    @Test func mapThrowsTheFirstErrorAndKillsTheRest() async throws {
        let outcome = try await onHub { () async throws -> (Failure?, Int, Int) in
            let pool = Pool(size: 8)
            let finished = Shared(0)
            var caught: Failure?
            do {
                _ = try await pool.map(0..<8) { input -> Int in
                    if input == 5 { throw Failure(input: 5) }
                    if input == 6 { throw Failure(input: 6) }
                    if input >= 3 { try await sleep(seconds: 60) }
                    finished.value += 1
                    return input
                }
            } catch let failure as Failure {
                caught = failure
            }
            return (caught, finished.value, pool.count)
        }
        #expect(outcome.0 == Failure(input: 5))
        #expect(outcome.1 == 3)  // inputs 0, 1, 2 returned before 5 threw; the sleepers were killed
        #expect(outcome.2 == 0)
    }

    @Test func mapStartsNoInputAfterAnError() async throws {
        let started = try await onHub { () async throws -> [Int] in
            let pool = Pool(size: 1)
            let started = Shared<[Int]>([])
            await #expect(throws: Failure(input: 0)) {
                _ = try await pool.map([0, 1, 2]) { input in
                    started.value.append(input)
                    try await sleep(seconds: 0.01)
                    throw Failure(input: input)
                }
            }
            return started.value
        }
        #expect(started == [0])
    }
}

