import GreenletLocks

/// A FIFO of parked green threads, with nothing else: Trio's ParkingLot.
///
/// A green thread parks until another one unparks it; a timeout or a kill takes it out
/// of the line, so it never consumes a wake-up meant for the next one. It holds no
/// condition of its own: callers re-check theirs after waking. It may be shared by the
/// green threads of several hubs, but a wake-up sent between a caller's check and its
/// `park` is then missed; the primitives built on `WaiterList` (`Event`, `Queue`, …)
/// check and enrol under one lock and have no such gap.
public final class ParkingLot: WaitSite, Sendable {
    private let waiters = Locked(WaiterList())
    /// Shown in diagnostics of what parked green threads wait on.
    let name: String

    /// - Parameter name: shown in diagnostics of what parked green threads wait on.
    public init(_ name: String = "ParkingLot") {
        self.name = name
    }

    /// The number of green threads parked here.
    public var count: Int { waiters.withLock { $0.count } }

    /// Parks the calling green thread until `unparkOne`/`unparkAll` picks it.
    /// - Throws: `CancellationError` when killed, `TimeoutError` when `timeout` seconds
    ///   pass or past an enclosing `withTimeout`; the green thread has then left the line.
    public func park(timeout: Double? = nil) async throws {
        try await Waiter.park(on: self, reason: .parkingLot, until: .timeout(timeout)) { waiter in
            waiters.withLock { $0.append(waiter) }
            return .parked
        }
    }

    /// Wakes the green thread parked longest; returns false when none was parked.
    @discardableResult
    public func unparkOne() -> Bool {
        guard let waiter = waiters.withLock({ $0.popFirst() }) else { return false }
        waiter.deliver()
        return true
    }

    /// Wakes every parked green thread, in the order they parked; returns how many.
    @discardableResult
    public func unparkAll() -> Int {
        let all = waiters.withLock { $0.removeAll() }
        for waiter in all { waiter.deliver() }
        return all.count
    }

    func withdraw(_ waiter: Waiter) -> Bool {
        waiters.withLock { $0.remove(waiter) }
    }
}
