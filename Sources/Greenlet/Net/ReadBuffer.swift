/// Bytes a connection received beyond what `readLine` or `read(exactly:)` returned; every
/// later read takes them first. Consumed from the front without moving the rest, until a
/// large consumed prefix is worth compacting.
struct ReadBuffer {
    private var bytes: [UInt8] = []
    private var start = 0

    var count: Int { bytes.count - start }
    var isEmpty: Bool { start == bytes.count }

    mutating func append(_ chunk: [UInt8]) {
        bytes.append(contentsOf: chunk)
    }

    /// Moves the first bytes into `target`, as many as fit.
    mutating func take(into target: UnsafeMutableRawBufferPointer) -> Int {
        let taken = Swift.min(count, target.count)
        bytes.withUnsafeBytes { stored in
            target.copyMemory(from: UnsafeRawBufferPointer(rebasing: stored[start..<start + taken]))
        }
        drop(taken)
        return taken
    }

    /// Removes and returns the first `count` bytes (all of them when fewer are held).
    mutating func take(_ count: Int) -> [UInt8] {
        let taken = Array(bytes[start..<start + Swift.min(count, self.count)])
        drop(taken.count)
        return taken
    }

    /// Removes the first `count` bytes.
    mutating func drop(_ count: Int) {
        start += count
        if start == bytes.count {
            bytes.removeAll(keepingCapacity: bytes.capacity <= 1 << 20)
            start = 0
        } else if start >= 1 << 16 {
            bytes.removeFirst(start)
            start = 0
        }
    }

    /// Where `delimiter` first begins at or after `offset`, counted from the first byte held.
    func firstIndex(of delimiter: [UInt8], from offset: Int) -> Int? {
        let last = bytes.count - delimiter.count
        let first = delimiter[0]
        var index = start + offset
        while index <= last {
            if bytes[index] == first && (delimiter.count == 1 || bytes[index..<index + delimiter.count].elementsEqual(delimiter)) {
                return index - start
            }
            index += 1
        }
        return nil
    }
}
