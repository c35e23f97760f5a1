import Testing
@testable import GreenletTools

@Suite("ChatOutbox")
struct ChatOutboxTests {
    private func event(_ sequence: Int) -> ChatEvent {
        ChatEvent(origin: "0123456789abcdef", sequence: UInt64(sequence), name: "a", kind: .line(text: "\(sequence)"))
    }

    private func sequences(_ events: [ChatEvent]) -> [Int] { events.map { Int($0.sequence) } }

    @Test func eventsComeOutInOrderInBatches() {
        var outbox = ChatOutbox(capacity: 1000)
        let kept = (1...300).filter { outbox.append(event($0)) }
        #expect(kept.count == 300)
        let first = outbox.take(upTo: 256)
        let second = outbox.take(upTo: 256)
        let third = outbox.take(upTo: 10)
        #expect(sequences(first) == Array(1...256))
        #expect(sequences(second) == Array(257...300))
        #expect(outbox.isEmpty && third.isEmpty)
    }

    @Test func aBatchPutBackGoesOutFirstAgain() {
        var outbox = ChatOutbox(capacity: 1000)
        for sequence in 1...10 { _ = outbox.append(event(sequence)) }
        let batch = outbox.take(upTo: 4)
        _ = outbox.append(event(11))
        let keptAll = outbox.putBack(batch)
        let all = outbox.take(upTo: 100)
        #expect(keptAll)
        #expect(sequences(all) == Array(1...11))
    }

    @Test func pastItsCapacityTheOldestGo() {
        var outbox = ChatOutbox(capacity: 100)
        var kept = 0
        for sequence in 1...250 where outbox.append(event(sequence)) { kept += 1 }
        #expect(kept == 100)
        #expect(outbox.count == 100)
        let batch = outbox.take(upTo: 30)
        for sequence in 251...280 { _ = outbox.append(event(sequence)) }
        // The batch that failed is older than everything queued: it is what goes.
        let keptAll = outbox.putBack(batch)
        let all = outbox.take(upTo: 1000)
        #expect(!keptAll)
        #expect(sequences(all) == Array(181...280))
    }
}
