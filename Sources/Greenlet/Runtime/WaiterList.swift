/// A FIFO of parked waiters, linked through the waiters themselves, so that joining and
/// leaving the line cost no allocation and no search.
///
/// It has no lock of its own: it lives in the state a primitive guards with its lock,
/// and that lock also guards the waiters' links. A waiter is in at most one list.
///
/// The links are unowned, which saves a retain and a release per link changed (atomic
/// operations, a good part of a switch's cost): a listed waiter is parked, and its
/// `Waiter.park` frame keeps it alive until it is woken, which takes it out first.
struct WaiterList {
    private unowned(unsafe) var head: Waiter?
    private unowned(unsafe) var tail: Waiter?
    private(set) var count = 0

    mutating func append(_ waiter: Waiter) {
        assert(!waiter.isListed, "a waiter is in one list at a time")
        waiter.isListed = true
        waiter.listPrevious = tail
        if let tail { tail.listNext = waiter } else { head = waiter }
        tail = waiter
        count += 1
    }

    mutating func popFirst() -> Waiter? {
        guard let first = head else { return nil }
        unlink(first)
        return first
    }

    /// Takes `waiter` out of the line; false when it is no longer there, because a waker
    /// has taken it out already.
    mutating func remove(_ waiter: Waiter) -> Bool {
        guard waiter.isListed else { return false }
        unlink(waiter)
        return true
    }

    /// Empties the line, returning the waiters in the order they joined it.
    mutating func removeAll() -> [Waiter] {
        var all: [Waiter] = []
        all.reserveCapacity(count)
        while let waiter = popFirst() { all.append(waiter) }
        return all
    }

    private mutating func unlink(_ waiter: Waiter) {
        unowned(unsafe) let next = waiter.listNext
        unowned(unsafe) let previous = waiter.listPrevious
        if let previous { previous.listNext = next } else { head = next }
        if let next { next.listPrevious = previous } else { tail = previous }
        waiter.listNext = nil
        waiter.listPrevious = nil
        waiter.isListed = false
        count -= 1
    }
}
