import Testing
@testable import Greenlet

@Suite("Group")
struct GroupTests {
    struct Failure: Error, Equatable { let tag: Int }

    @Test func joinAllWaitsForEveryMemberIncludingLateOnes() async throws {
        let log = try await onHub { () async throws -> [Int] in
            let group = Group()
            let log = Shared<[Int]>([])
            group.spawn { try await sleep(seconds: 0.01); log.value.append(1) }
            group.spawn {
                log.value.append(0)
                group.spawn { try await sleep(seconds: 0.02); log.value.append(2) }
            }
            try await group.joinAll()
            #expect(group.count == 0)
            return log.value
        }
        #expect(log == [0, 1, 2])
    }

    @Test func joinAllThrowsTheFirstErrorToEndAfterAllHaveEnded() async throws {
        let outcome = try await onHub { () async throws -> (Failure?, Bool) in
            let group = Group()
            // The order of the failures is fixed by an event, not by sleeps a busy
            // machine may stretch: 1 fails, and only then 2.
            let oneFailed = Event()
            let slow = group.spawn { try await sleep(seconds: 0.03) }
            group.spawn { try await oneFailed.wait(timeout: 10); throw Failure(tag: 2) }
            group.spawn { defer { oneFailed.set() }; throw Failure(tag: 1) }
            var caught: Failure?
            do { try await group.joinAll() } catch let failure as Failure { caught = failure }
            try await group.joinAll()  // the error was reported once
            return (caught, slow.isFinished)
        }
        #expect(outcome.0 == Failure(tag: 1))
        #expect(outcome.1)
    }

    @Test func killedMembersDoNotCountAsFailed() async throws {
        let finished = try await onHub { () async throws -> Int in
            let group = Group()
            for _ in 0..<5 { group.spawn { try await sleep(seconds: 60) } }
            await yieldNow()
            group.killAll()
            try await group.joinAll(timeout: 5)
            return group.count
        }
        #expect(finished == 0)
    }
}
