import Testing
@testable import Greenlet

@Suite("ItemRing")
struct ItemRingTests {
    final class Tracked {
        static let live = Shared(0)
        let value: Int
        init(_ value: Int) { self.value = value; Self.live.value += 1 }
        deinit { Self.live.value -= 1 }
    }

    @Test func itemsComeOutInOrderAcrossWrapAroundAndGrowth() {
        var ring = ItemRing()
        var expected: [String] = []
        var next = 0
        var out: [String] = []
        // Interleave appends and removals so the head moves before every growth.
        for round in 0..<50 {
            for _ in 0..<(round % 7 + 3) {
                ring.append("item \(next)")
                expected.append("item \(next)")
                next += 1
            }
            for _ in 0..<(round % 5 + 1) where ring.count > 0 {
                out.append(ring.removeFirst(as: String.self))
            }
        }
        while ring.count > 0 { out.append(ring.removeFirst(as: String.self)) }
        #expect(out == expected)
        #expect(next > 100)
    }

    @Test func removeAllReleasesEveryItem() {
        do {
            var ring = ItemRing()
            for i in 0..<40 { ring.append(Tracked(i)) }
            #expect(ring.removeFirst(as: Tracked.self).value == 0)
            #expect(Tracked.live.value == 39)
            ring.removeAll(as: Tracked.self)
            #expect(ring.count == 0)
        }
        #expect(Tracked.live.value == 0)
    }
}
