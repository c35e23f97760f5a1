/// A growable ring buffer, the storage of a `Queue`.
///
/// Not generic itself, only its methods: unspecialized code (a client in another module
/// calling `Queue<Int>`) then moves items through `Element`'s value witnesses, with no
/// generic type metadata looked up at run time, which would cost more than a switch.
/// Every call must name the same element type; the owner empties the ring before it
/// goes. Not thread-safe: its owner locks.
struct ItemRing: ~Copyable {
    private var storage: UnsafeMutableRawPointer?
    private var capacity = 0
    private var head = 0
    private(set) var count = 0

    deinit {
        precondition(count == 0, "an ItemRing must be emptied with removeAll(as:)")
        storage?.deallocate()
    }

    mutating func append<Element>(_ item: consuming Element) {
        if count == capacity { grow(Element.self) }
        slot(head + count, Element.self).initialize(to: item)
        count += 1
    }

    /// Removes the first item; the ring must not be empty.
    mutating func removeFirst<Element>(as type: Element.Type) -> Element {
        precondition(count > 0, "removeFirst on an empty ring")
        let item = slot(head, type).move()
        head = (head + 1) % capacity
        count -= 1
        return item
    }

    mutating func removeAll<Element>(as type: Element.Type) {
        while count > 0 { _ = removeFirst(as: type) }
    }

    private func slot<Element>(_ index: Int, _ type: Element.Type) -> UnsafeMutablePointer<Element> {
        storage!.assumingMemoryBound(to: type) + index % capacity
    }

    private mutating func grow<Element>(_ type: Element.Type) {
        let larger = max(16, capacity * 2)
        let moved = UnsafeMutableRawPointer.allocate(
            byteCount: larger * MemoryLayout<Element>.stride,
            alignment: MemoryLayout<Element>.alignment
        ).bindMemory(to: type, capacity: larger)
        if let storage {
            let old = storage.assumingMemoryBound(to: type)
            let firstPart = min(count, capacity - head)
            moved.moveInitialize(from: old + head, count: firstPart)
            (moved + firstPart).moveInitialize(from: old, count: count - firstPart)
            storage.deallocate()
        }
        storage = UnsafeMutableRawPointer(moved)
        capacity = larger
        head = 0
    }
}
