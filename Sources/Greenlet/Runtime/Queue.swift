import GreenletLocks

/// A FIFO queue between green threads, unbounded or bounded (gevent's `Queue`, a Go
/// channel with a buffer). `get` waits while it is empty, `put` while it is full.
///
/// Safe to share between hubs. Waiters are woken in the order they came: an item put
/// while getters wait promises one item to the getter that waited longest (which item
/// it gets is the first when it runs), and a newcomer never takes an item promised to a
/// waiter. A green thread that is killed or times out before a promise reaches it takes
/// no item (or free place).
public final class Queue<Element: Sendable>: WaitSite, @unchecked Sendable {
    private let state: Locked<QueueState>
    /// Guarded by `state`'s lock, which makes the class sendable.
    @exclusivity(unchecked) private var items = ItemRing()
    /// The most items it holds; nil when unbounded.
    public let capacity: Int?

    /// - Parameter capacity: the most items the queue holds before `put` waits; nil (the
    ///   default) for no limit. At least 1.
    public init(capacity: Int? = nil) {
        precondition(capacity.map { $0 >= 1 } ?? true, "Queue capacity must be at least 1")
        self.capacity = capacity
        state = Locked(QueueState(capacity: capacity ?? .max))
    }

    deinit {
        items.removeAll(as: Element.self)
    }

    /// The items in the queue, including those promised to woken getters.
    public var count: Int { state.withLock { $0.count } }

    public var isClosed: Bool { state.withLock { $0.isClosed } }

    /// Adds `item` at the end, waiting while the queue is full.
    /// - Throws: `QueueError.closed` when the queue is or gets closed (the item is not
    ///   added); `TimeoutError` after `timeout` seconds or past an enclosing
    ///   `withTimeout`; `CancellationError` when killed.
    public func put(_ item: Element, timeout: Double? = nil) async throws {
        try checkCancellation()
        if try tryPut(item) { return }
        try await Waiter.park(on: self, reason: .queuePut, until: .timeout(timeout)) { waiter in
            state.withLock { state in
                if state.isClosed { return .failed(QueueError.closed) }
                if state.hasRoom {
                    state.placesPromised += 1
                    return .ready
                }
                state.putters.append(waiter)
                return .parked
            }
        }
        // A place is promised to this green thread.
        let getter = try state.withLock { state throws(QueueError) -> Waiter? in
            state.placesPromised -= 1
            guard !state.isClosed else { throw .closed }
            items.append(item)
            return state.added()
        }
        getter?.deliver()
    }

    /// Adds `item` when there is room; false, adding nothing, when the queue is full.
    /// - Throws: `QueueError.closed` when the queue is closed.
    public func tryPut(_ item: Element) throws(QueueError) -> Bool {
        let (added, getter) = try state.withLock { state throws(QueueError) -> (Bool, Waiter?) in
            guard !state.isClosed else { throw .closed }
            guard state.hasRoom else { return (false, nil) }
            items.append(item)
            return (true, state.added())
        }
        getter?.deliver()
        return added
    }

    /// Removes and returns the first item, waiting while the queue is empty. A closed
    /// queue still hands out the items it holds.
    /// - Throws: `QueueError.closed` once the queue is closed and empty;
    ///   `TimeoutError` after `timeout` seconds or past an enclosing `withTimeout`;
    ///   `CancellationError` when killed.
    public func get(timeout: Double? = nil) async throws -> Element {
        try checkCancellation()
        if try !promiseItem() {
            try await Waiter.park(on: self, reason: .queueGet, until: .timeout(timeout)) { waiter in
                state.withLock { state in
                    if state.hasFreeItem {
                        state.itemsPromised += 1
                        return .ready
                    }
                    if state.isClosed { return .failed(QueueError.closed) }
                    state.getters.append(waiter)
                    return .parked
                }
            }
        }
        return takePromisedItem()
    }

    /// Removes and returns the first item; nil when the queue is empty.
    /// - Throws: `QueueError.closed` once the queue is closed and empty.
    public func tryGet() throws(QueueError) -> Element? {
        try promiseItem() ? takePromisedItem() : nil
    }

    /// Promises a free item to the caller, if there is one.
    private func promiseItem() throws(QueueError) -> Bool {
        try state.withLock { state throws(QueueError) -> Bool in
            if state.hasFreeItem {
                state.itemsPromised += 1
                return true
            }
            if state.isClosed { throw .closed }
            return false
        }
    }

    /// Takes the first item, one of those promised: the caller's promise is used up.
    private func takePromisedItem() -> Element {
        var putter: Waiter?
        let item = state.withLock { state in
            putter = state.taken()
            return items.removeFirst(as: Element.self)
        }
        putter?.deliver()
        return item
    }

    /// Closes the queue: later `put`s throw `QueueError.closed`, and so do `get`s once
    /// the items left are taken. Green threads waiting to get or put are woken with
    /// that error. Closing twice does nothing more.
    public func close() {
        let woken = state.withLock { state in
            state.isClosed = true
            return state.getters.removeAll() + state.putters.removeAll()
        }
        for waiter in woken { waiter.deliver(QueueError.closed) }
    }

    func withdraw(_ waiter: Waiter) -> Bool {
        state.withLock { state in
            waiter.reason == .queueGet ? state.getters.remove(waiter) : state.putters.remove(waiter)
        }
    }
}

/// A `Queue`'s state but its items, under its lock. Not generic, and not nested in the
/// generic class: code not specialized for `Element` (a client in another module) then
/// needs no type metadata looked up at run time, which costs more than the switch itself.
private struct QueueState {
    /// Items in `items`, including those promised to woken getters.
    var count = 0
    var getters = WaiterList()
    var putters = WaiterList()
    /// Items promised to woken getters that have not yet run.
    var itemsPromised = 0
    /// Free places promised to woken putters that have not yet run.
    var placesPromised = 0
    var isClosed = false
    let capacity: Int

    var hasFreeItem: Bool { count > itemsPromised }
    var hasRoom: Bool { count + placesPromised < capacity }

    /// One item more: promised to the getter that waited longest, if any.
    mutating func added() -> Waiter? {
        count += 1
        guard let getter = getters.popFirst() else { return nil }
        itemsPromised += 1
        return getter
    }

    /// One promised item taken: now that there is room, wake a waiting putter.
    mutating func taken() -> Waiter? {
        count -= 1
        itemsPromised -= 1
        guard hasRoom, let putter = putters.popFirst() else { return nil }
        placesPromised += 1
        return putter
    }
}

/// `for try await item in queue` gets items until the queue is closed and empty.
extension Queue: AsyncSequence {
    public struct AsyncIterator: AsyncIteratorProtocol {
        let queue: Queue

        public mutating func next() async throws -> Element? {
            do {
                return try await queue.get()
            } catch QueueError.closed {
                return nil
            }
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(queue: self)
    }
}

/// Why a queue operation failed.
public enum QueueError: Error, Equatable, CustomStringConvertible {
    /// The queue is closed (and, for `get`, empty).
    case closed

    public var description: String {
        switch self {
        case .closed: "queue closed"
        }
    }
}
