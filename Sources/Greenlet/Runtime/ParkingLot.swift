import DequeModule

/// A FIFO of parked green threads: the primitive under every wait that has no fd.
///
/// A green thread parks until another one unparks it; a timeout or a kill takes it out
/// of the line, so it never consumes a wake-up meant for the next one. Like Trio's
/// ParkingLot it holds no condition of its own: callers re-check theirs after waking.
/// Belongs to the hub of the green threads that use it.
public final class ParkingLot: WaitSite, @unchecked Sendable {
    @exclusivity(unchecked) private var waiters = Deque<Waiter>()
    /// Shown in diagnostics of what parked green threads wait on.
    let name: String

    /// - Parameter name: shown in diagnostics of what parked green threads wait on.
    public init(_ name: String = "ParkingLot") {
        self.name = name
    }

    /// The number of green threads parked here.
    public var count: Int { waiters.count }

    /// Parks the calling green thread until `unparkOne`/`unparkAll` picks it.
    /// - Throws: `CancellationError` when killed, `TimeoutError` past an enclosing
    ///   `withTimeout`; in both cases the green thread has left the line.
    public func park() async throws {
        let hub = Hub.mustBeCurrent()
        try await Waiter.park(on: hub, reason: .parkingLot) { waiter in
            waiter.site = self
            waiters.append(waiter)
        }
    }

    /// Wakes the green thread parked longest; returns false when none was parked.
    @discardableResult
    public func unparkOne() -> Bool {
        guard let waiter = waiters.popFirst() else { return false }
        waiter.wake(withdrawn: true)
        return true
    }

    /// Wakes every parked green thread, in the order they parked; returns how many.
    @discardableResult
    public func unparkAll() -> Int {
        let all = waiters
        waiters.removeAll()
        for waiter in all { waiter.wake(withdrawn: true) }
        return all.count
    }

    func withdraw(_ waiter: Waiter) {
        if let index = waiters.firstIndex(where: { $0 === waiter }) {
            waiters.remove(at: index)
        }
    }
}
