import Testing
@testable import Greenlet

@Suite("AsyncResult")
struct AsyncResultTests {
    struct Failure: Error, Equatable {}

    @Test func everyWaiterGetsTheValueAndLaterSetsChangeNothing() async throws {
        let outcome = try await onHub { () async throws -> ([String], Bool, Bool) in
            let result = AsyncResult<String>()
            let waiters = (0..<3).map { _ in spawn { try await result.wait() } }
            await yieldNow()
            let first = result.succeed("done")
            let second = result.fail(Failure())
            var values = try await joinAll(waiters)
            values.append(try await result.wait())
            return (values, first, second)
        }
        #expect(outcome.0 == ["done", "done", "done", "done"])
        #expect(outcome.1 == true && outcome.2 == false)
    }

    @Test func waitersThrowTheErrorSet() async throws {
        try await onHub { () async throws in
            let result = AsyncResult<Int>()
            let waiter = spawn { try await result.wait() }
            await yieldNow()
            result.fail(Failure())
            await #expect(throws: Failure()) { try await waiter.value }
            await #expect(throws: Failure()) { try await result.wait() }
            #expect(!result.succeed(1))
        }
    }

    @Test func waitTimesOut() async throws {
        try await onHub { () async throws in
            let result = AsyncResult<Int>()
            await #expect(throws: TimeoutError(seconds: 0.01)) { try await result.wait(timeout: 0.01) }
            result.succeed(7)
            #expect(try await result.wait(timeout: 0.01) == 7)
        }
    }

    @Test func aValueSetOnOneHubReachesAWaiterOnAnother() async throws {
        let result = AsyncResult<[UInt8]>()
        let (waiter, _) = try await onHubs({ try await result.wait(timeout: 10) }, {
            try await sleep(seconds: 0.02)
            result.succeed([1, 2, 3])
        })
        #expect(waiter == [1, 2, 3])
    }
}
