import Glibc
import Testing
@testable import Greenlet

@Suite("Queue")
struct QueueTests {
    @Test func itemsComeOutInOrderAndGettersAreServedInTheOrderTheyCame() async throws {
        let log = try await onHub { () async throws -> [String] in
            let queue = Queue<Int>()
            let log = Shared<[String]>([])
            let getters = (0..<3).map { g in spawn { log.value.append("g\(g):\(try await queue.get())") } }
            await yieldNow()
            for item in 10..<13 { try await queue.put(item) }
            _ = try await joinAll(getters)
            try await queue.put(20)
            try await queue.put(21)
            log.value.append("\(try await queue.get()),\(try await queue.get())")
            return log.value
        }
        #expect(log == ["g0:10", "g1:11", "g2:12", "20,21"])
    }

    @Test func aBoundedQueueMakesPuttersWaitInOrder() async throws {
        let outcome = try await onHub { () async throws -> ([Int], Int, Bool) in
            let queue = Queue<Int>(capacity: 2)
            try await queue.put(0)
            try await queue.put(1)
            #expect(try queue.tryPut(99) == false)
            let putters = (2..<5).map { i in spawn { try await queue.put(i) } }
            await yieldNow()
            let countWhileFull = queue.count
            var items: [Int] = []
            for _ in 0..<5 { items.append(try await queue.get()) }
            _ = try await joinAll(putters)
            return (items, countWhileFull, try queue.tryGet() == nil)
        }
        #expect(outcome.0 == [0, 1, 2, 3, 4])
        #expect(outcome.1 == 2)
        #expect(outcome.2)
    }

    @Test func aKilledOrTimedOutGetterNeverTakesAnItem() async throws {
        let outcome = try await onHub { () async throws -> ([Int], Int) in
            let queue = Queue<Int>()
            let got = Shared<[Int]>([])
            let killed = spawn { got.value.append(try await queue.get()) }
            let timedOut = spawn { got.value.append(try await queue.get(timeout: 0.01)) }
            let patient = spawn { got.value.append(try await queue.get()) }
            await yieldNow()
            killed.kill()
            await #expect(throws: TimeoutError.self) { try await timedOut.value }
            await #expect(throws: CancellationError.self) { try await killed.value }
            try await queue.put(7)
            try await patient.value
            return (got.value, queue.count)
        }
        #expect(outcome.0 == [7])
        #expect(outcome.1 == 0)
    }

    @Test func aTimedOutPutterAddsNothingAndFreesItsTurn() async throws {
        let items = try await onHub { () async throws -> [Int] in
            let queue = Queue<Int>(capacity: 1)
            try await queue.put(1)
            let timedOut = spawn { try await queue.put(2, timeout: 0.01) }
            await #expect(throws: TimeoutError.self) { try await timedOut.value }
            let waiting = spawn { try await queue.put(3) }
            await yieldNow()
            let first = try await queue.get()
            try await waiting.value
            return [first, try await queue.get()]
        }
        #expect(items == [1, 3])
    }

    @Test func closeWakesEveryWaiterAndGetDrainsWhatIsLeft() async throws {
        let outcome = try await onHub { () async throws -> ([QueueError?], [Int]) in
            let empty = Queue<Int>()
            let getter = spawn { _ = try await empty.get() }
            let full = Queue<Int>(capacity: 1)
            try await full.put(5)
            let putter = spawn { try await full.put(6) }
            await yieldNow()
            empty.close()
            full.close()
            var errors: [QueueError?] = []
            for thread in [getter, putter] {
                do { try await thread.value; errors.append(nil) } catch { errors.append(error as? QueueError) }
            }
            do { try await full.put(7); errors.append(nil) } catch { errors.append(error as? QueueError) }
            var drained: [Int] = []
            for try await item in full { drained.append(item) }
            return (errors, drained)
        }
        #expect(outcome.0 == [.closed, .closed, .closed])
        #expect(outcome.1 == [5])
    }

    @Test func forTryAwaitEndsWhenTheQueueIsClosed() async throws {
        let received = try await onHub { () async throws -> [Int] in
            let queue = Queue<Int>(capacity: 3)
            let producer = spawn {
                for i in 0..<10 { try await queue.put(i) }
                queue.close()
            }
            var received: [Int] = []
            for try await item in queue { received.append(item) }
            try await producer.value
            return received
        }
        #expect(received == Array(0..<10))
    }

    @Test func tenThousandProducersAndConsumersLoseAndDuplicateNothing() async throws {
        let (received, left) = try await onHub { () async throws -> ([Int], Int) in
            let queue = Queue<Int>(capacity: 64)
            let got = Shared<[Int]>([])
            var threads: [GreenThread<Void>] = []
            for i in 0..<10_000 {
                threads.append(spawn { try await queue.put(i) })
                threads.append(spawn { got.value.append(try await queue.get()) })
            }
            _ = try await joinAll(threads)
            return (got.value, queue.count)
        }
        #expect(received.count == 10_000)
        #expect(received.sorted() == Array(0..<10_000))
        #expect(left == 0)
    }

    @Test func greenThreadsOnTwoHubsPassItemsBothWays() async throws {
        let ping = Queue<Int>(capacity: 1)
        let pong = Queue<Int>(capacity: 1)
        let (echoed, replies) = try await onHubs({
            // Bounded waits: a lost wake-up fails the test instead of hanging it.
            var count = 0
            while true {
                let item: Int
                do { item = try await ping.get(timeout: 10) } catch QueueError.closed { break }
                try await pong.put(item + 1, timeout: 10)
                count += 1
            }
            return count
        }, { () async throws -> [Int] in
            defer { ping.close() }  // also when this side fails, so the echo side ends
            var replies: [Int] = []
            for i in 0..<2_000 {
                try await ping.put(i * 2, timeout: 10)
                replies.append(try await pong.get(timeout: 10))
            }
            return replies
        })
        #expect(echoed == 2_000)
        #expect(replies == (0..<2_000).map { $0 * 2 + 1 })
    }

    @Test func killsAndTimeoutsOnOneHubRacingPutsFromAnotherLoseNothing() async throws {
        // Getters on one hub keep timing out or being killed while another hub puts: each
        // item must reach exactly one getter, in order.
        let queue = Queue<Int>(capacity: 8)
        let total = 3_000
        let (produced, taken) = try await onHubs({
            for i in 0..<total {
                try await queue.put(i, timeout: 10)
                if i % 7 == 0 { await yieldNow() }
            }
            return total
        }, { () async throws -> [Int] in
            let got = Shared<[Int]>([])
            var round = 0
            while got.value.count < total, round < 1_000_000 {
                round += 1
                let getters = (0..<4).map { _ in
                    spawn { got.value.append(try await queue.get(timeout: 0.0005)) }
                }
                await yieldNow()
                if round % 3 == 0 { getters[round % 4].kill() }
                for getter in getters { _ = try? await getter.value }
            }
            return got.value
        })
        #expect(produced == total)
        #expect(taken == Array(0..<total))
        #expect(queue.count == 0)
    }

    @Test func aKillThatComesAfterAnotherHubPromisedAnItemLosesToTheWakeUp() async throws {
        let queue = Queue<String>()
        let getterParked = Event()
        let (_, outcome) = try await onHubs({
            try await getterParked.wait(timeout: 10)
            try await queue.put("promised")
        }, { () async throws -> (String?, Int) in
            let getter = spawn { try await queue.get(timeout: 10) }
            await yieldNow()
            getterParked.set()
            // Hold this hub until the other one has put: the item is then promised to the
            // getter, and its wake-up waits in this hub's inbox when the kill comes.
            let deadline = MonotonicClock.now() + 10_000_000_000
            while queue.count == 0, MonotonicClock.now() < deadline { usleep(1_000) }
            getter.kill()
            return (try? await getter.value, queue.count)
        })
        #expect(outcome.0 == "promised")
        #expect(outcome.1 == 0)
    }

    @Test func aKilledGreenThreadCannotKeepTakingFromABusyQueue() async throws {
        let (taken, left) = try await onHub { () async throws -> (Int, Int) in
            let queue = Queue<Int>()
            for i in 0..<100 { try await queue.put(i) }
            let taken = Shared(0)
            let consumer = spawn {
                while true {
                    _ = try await queue.get()
                    taken.value += 1
                }
            }
            consumer.kill()  // before it ran: every item is there without waiting
            await #expect(throws: CancellationError.self) { try await consumer.value }
            return (taken.value, queue.count)
        }
        #expect(taken == 0)
        #expect(left == 100)
    }
}

