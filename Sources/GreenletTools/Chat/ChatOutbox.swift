/// The events a server has yet to hand to Redis, oldest first. Users never wait for it:
/// while Redis is away events pile up here and go out in order once it is back, and past
/// `capacity` the oldest are dropped, so a long outage costs bounded memory.
struct ChatOutbox {
    let capacity: Int
    private var items: [ChatEvent] = []
    /// Items before it are taken.
    private var head = 0

    init(capacity: Int) {
        precondition(capacity > 0, "an outbox holds at least one event")
        self.capacity = capacity
    }

    var count: Int { items.count - head }
    var isEmpty: Bool { head == items.count }

    /// Adds `event` last; returns false when the oldest event had to go to make room.
    mutating func append(_ event: ChatEvent) -> Bool {
        items.append(event)
        guard count > capacity else { return true }
        head += 1
        compact()
        return false
    }

    /// Takes up to `limit` of the oldest events.
    mutating func take(upTo limit: Int) -> [ChatEvent] {
        let batch = Array(items[head..<min(items.count, head + limit)])
        head += batch.count
        compact()
        return batch
    }

    /// Puts a batch that did not reach Redis back in front, where it came from; the oldest
    /// go when that passes the capacity. Returns false then.
    mutating func putBack(_ batch: [ChatEvent]) -> Bool {
        items = batch + items[head...]
        let excess = max(0, items.count - capacity)
        items.removeFirst(excess)
        head = 0
        return excess == 0
    }

    /// Frees the taken slots once they are half of the storage: O(1) per event, amortised.
    private mutating func compact() {
        if head == items.count {
            items.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 64 && head * 2 >= items.count {
            items.removeSubrange(..<head)
            head = 0
        }
    }
}
