import Testing
@testable import Greenlet

@Suite("ParkingLot")
struct ParkingLotTests {
    @Test func unparkWakesInFIFOOrder() async throws {
        let order = try await onHub { () async throws -> [Int] in
            let lot = ParkingLot()
            let log = Shared<[Int]>([])
            let threads = (0..<4).map { i in spawn { try await lot.park(); log.value.append(i) } }
            await yieldNow()
            #expect(lot.count == 4)
            while lot.unparkOne() { await yieldNow() }
            _ = try await joinAll(threads)
            return log.value
        }
        #expect(order == [0, 1, 2, 3])
    }

    @Test func aKilledOrTimedOutWaiterLeavesTheLine() async throws {
        let (woken, count) = try await onHub { () async throws -> ([Int], Int) in
            let lot = ParkingLot()
            let log = Shared<[Int]>([])
            let killed = spawn { try await lot.park(); log.value.append(0) }
            let timed = spawn { try await withTimeout(seconds: 0.01) { try await lot.park() }; log.value.append(1) }
            let patient = spawn { try await lot.park(); log.value.append(2) }
            await yieldNow()
            killed.kill()
            _ = try? await timed.value
            _ = try? await killed.value
            let left = lot.count
            lot.unparkOne()
            try await patient.value
            return (log.value, left)
        }
        #expect(woken == [2])
        #expect(count == 1)
    }
}
