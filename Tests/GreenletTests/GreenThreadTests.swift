import Foundation
import Testing
@testable import Greenlet

@Suite("GreenThread")
struct GreenThreadTests {
    struct Boom: Error, Equatable {}

    @Test func joinReturnsTheValueToEveryJoiner() async throws {
        let values = try await onHub { () async throws -> [Int] in
            let worker = spawn { () async throws -> Int in
                try await sleep(seconds: 0.01)
                return 7
            }
            let joiners = (0..<3).map { _ in spawn { try await worker.value } }
            return try await joinAll(joiners) + [try await worker.value]
        }
        #expect(values == [7, 7, 7, 7])
    }

    struct Wide: Sendable, Equatable {
        let name: String
        let numbers: [Int]
        let a, b, c: Int
    }

    /// Values of every shape come back as they went, existentials and optionals (a nil
    /// one too) included, through `value` and through `result`.
    @Test func joinReturnsValuesOfEveryShape() async throws {
        let (wide, optional, none, existential, error, finished) = try await onHub {
            () async throws -> (Wide, Int?, String?, String, Bool, Bool) in
            let wide = spawn { Wide(name: "wide", numbers: [1, 2, 3], a: 4, b: 5, c: 6) }
            let optional = spawn { () -> Int? in 7 }
            let none = spawn { () -> String? in nil }
            let existential = spawn { () -> any Sendable in "opened" }
            let failing = spawn { () -> any Error & Sendable in Boom() }
            let opened = try await existential.value as? String ?? "not a String"
            let error = try await failing.value is Boom
            let finished = wide.isFinished
            return (try await wide.value, try await optional.value, try await none.value, opened, error, finished && wide.result != nil)
        }
        #expect(wide == Wide(name: "wide", numbers: [1, 2, 3], a: 4, b: 5, c: 6))
        #expect(optional == 7)
        #expect(none == nil)
        #expect(existential == "opened")
        #expect(error)
        #expect(finished)
    }

    @Test func joinRethrowsTheError() async throws {
        let error = try await onHub { () async throws -> Boom? in
            let worker = spawn { () async throws -> Int in throw Boom() }
            do {
                _ = try await worker.value
                return nil
            } catch let error as Boom {
                return error
            }
        }
        #expect(error == Boom())
    }

    @Test func killWhileSleepingRunsCleanupAndLeavesNoEvent() async throws {
        let (outcome, cleaned, eventsBefore, eventsAfter) = try await onHub { () async throws -> (String, Bool, Int, Int) in
            let hub = try #require(Hub.current)
            let before = hub.registeredEventCount
            let cleaned = Shared(false)
            let sleeper = spawn {
                defer { cleaned.value = true }
                try await sleep(seconds: 60)
            }
            await yieldNow()
            sleeper.kill()
            var outcome = "returned"
            do { try await sleeper.value } catch is CancellationError { outcome = "killed" }
            return (outcome, cleaned.value, before, hub.registeredEventCount)
        }
        #expect(outcome == "killed")
        #expect(cleaned)
        #expect(eventsAfter == eventsBefore)
    }

    @Test func killReachesTaskSleep() async throws {
        let (outcome, elapsed) = try await onHub { () async throws -> (String, Double) in
            let sleeper = spawn { try await Task.sleep(nanoseconds: 10_000_000_000) }
            try await sleep(seconds: 0.02)
            var outcome = "returned"
            let elapsed = try await measure {
                sleeper.kill()
                do { try await sleeper.value } catch is CancellationError { outcome = "cancelled" }
            }
            return (outcome, elapsed)
        }
        #expect(outcome == "cancelled")
        #expect(elapsed < 1, "took \(elapsed) s")
    }

    @Test func killBeforeTheFirstRunStopsAtTheFirstWait() async throws {
        let reached = try await onHub { () async throws -> [String] in
            let log = Shared<[String]>([])
            let thread = spawn {
                log.value.append("started")
                try await sleep(seconds: 60)
                log.value.append("after sleep")
            }
            thread.kill()
            _ = try? await thread.value
            return log.value
        }
        #expect(reached == ["started"])
    }

    @Test func killingAFinishedThreadDoesNothing() async throws {
        let value = try await onHub { () async throws -> Int in
            let thread = spawn { 5 }
            let value = try await thread.value
            thread.kill()
            #expect(thread.isFinished)
            return try await thread.value + value
        }
        #expect(value == 10)
    }

    @Test func killFromAnotherOSThread() async throws {
        let outcome = try await onHub { () async throws -> String in
            let sleeper = spawn { try await sleep(seconds: 60) }
            let handle = UncheckedBox(sleeper)
            Thread { usleep(20_000); handle.value.kill() }.start()
            do {
                try await sleeper.value
                return "returned"
            } catch is CancellationError {
                return "killed"
            }
        }
        #expect(outcome == "killed")
    }

    @Test func killReleasesABlockingCallAtOnce() async throws {
        let elapsed = try await onHub { () async throws -> Double in
            let waiter = spawn { try await blocking { usleep(1_000_000); return 1 } }
            try await sleep(seconds: 0.02)
            return await measure {
                waiter.kill()
                await #expect(throws: CancellationError.self) { try await waiter.value }
            }
        }
        #expect(elapsed < 0.5)
    }

    @Test func blockingReturnsValuesAndErrors() async throws {
        let (value, failed) = try await onHub { () async throws -> (Int, Bool) in
            let value = try await blocking { 21 * 2 }
            do {
                _ = try await blocking { () throws -> Int in throw Boom() }
                return (value, false)
            } catch is Boom {
                return (value, true)
            }
        }
        #expect(value == 42)
        #expect(failed)
    }

    @Test func spawnNamesTheThreadForDiagnostics() async throws {
        let names = try await onHub { () async throws -> [String] in
            let named = spawn("worker") { 1 }
            let anonymous = spawn { 2 }
            _ = try await joinAll([named, anonymous])
            return [named.name, anonymous.name]
        }
        #expect(names[0] == "worker")
        #expect(names[1].contains("GreenThreadTests.swift"))
    }
}

extension GreenThreadTests {
    @Test func aFailingChildEndsItsTaskGroupPromptly() async throws {
        let elapsed = try await onHub { () async throws -> Double in
            try await measure {
                do {
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask { try await sleep(seconds: 5) }
                        group.addTask {
                            try await sleep(seconds: 0.01)
                            throw Boom()
                        }
                        while try await group.next() != nil {}
                    }
                } catch is Boom {}
            }
        }
        #expect(elapsed < 2, "the group took \(elapsed) s to end after a child failed")
    }

    @Test func aChildOfACancelledGroupDoesNotPark() async throws {
        let elapsed = try await onHub { () async throws -> Double in
            await measure {
                await withTaskGroup(of: Void.self) { group in
                    group.cancelAll()
                    group.addTask { try? await sleep(seconds: 5) }
                }
            }
        }
        #expect(elapsed < 2, "the cancelled child slept \(elapsed) s")
    }

    @Test func killingAGreenThreadReachesItsTaskGroupChildren() async throws {
        let (outcome, elapsed) = try await onHub { () async throws -> (String, Double) in
            let parent = spawn {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await sleep(seconds: 5) }
                    group.addTask { try await sleep(seconds: 5) }
                    try await group.waitForAll()
                }
            }
            try await sleep(seconds: 0.01)
            var outcome = "returned"
            let elapsed = try await measure {
                parent.kill()
                do { try await parent.value } catch is CancellationError { outcome = "killed" }
            }
            return (outcome, elapsed)
        }
        #expect(outcome == "killed")
        #expect(elapsed < 2)
    }
}

extension GreenThreadTests {
    @Test func diagnosticsSayWhatAGreenThreadWaitsOn() async throws {
        let names = try await onHub { () async throws -> [String] in
            let (client, server) = try await connectedPair()
            defer { server.close() }
            let sleeper = spawn("sleeper") { try await sleep(seconds: 60) }
            let reader = spawn("reader") { _ = try await client.recv() }
            let joiner = spawn("joiner") { try await sleeper.value }
            await yieldNow()
            let names = [sleeper, reader, joiner].map(\.diagnosticName)
            for thread in [sleeper, reader, joiner] { thread.kill() }
            return names
        }
        #expect(names[0].contains("sleeper (spawned at GreenletTests/GreenThreadTests.swift:\(#line - 8), waiting on sleep 59."))
        #expect(names[0].hasSuffix(" s left)"))
        #expect(names[1].contains("reader (spawned at") && names[1].contains("waiting on recv fd "))
        #expect(names[2].hasSuffix("waiting on join)"))
    }
}
