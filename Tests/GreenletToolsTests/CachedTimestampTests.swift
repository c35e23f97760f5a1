import Foundation
import GreenletHTTP
import GreenletLocks
import Testing
@testable import GreenletTools

@Suite("CachedTimestamp")
struct CachedTimestampTests {
    private final class Calls: Sendable {
        let count = Locked(0)
    }

    @Test func formatsOncePerSecond() {
        let calls = Calls()
        let timestamp = CachedTimestamp { second in
            calls.count.withLock { $0 += 1 }
            return HTTPDate.format(second)
        }
        #expect(timestamp.text(at: 784_111_777) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(timestamp.text(at: 784_111_777) == "Sun, 06 Nov 1994 08:49:37 GMT")
        DispatchQueue.concurrentPerform(iterations: 64) { _ in
            #expect(timestamp.text(at: 784_111_777) == "Sun, 06 Nov 1994 08:49:37 GMT")
        }
        #expect(calls.count.withLock { $0 } == 1)
        #expect(timestamp.text(at: 784_111_778) == "Sun, 06 Nov 1994 08:49:38 GMT")
        #expect(calls.count.withLock { $0 } == 2)
    }

    @Test func theCurrentSecondIsTheClock() {
        let before = Int(Date().timeIntervalSince1970)
        let second = CachedTimestamp.currentSecond()
        // time(2) reads the kernel's coarse clock, up to a tick behind gettimeofday's: just
        // after a second begins it may still say the one before.
        #expect(second >= before - 1 && second <= before + 1)
        let stamped = HTTPDate.parse(CachedTimestamp(format: HTTPDate.format).text())
        #expect(stamped.map { $0 >= second && $0 <= second + 1 } == true)
    }
}
