import Greenlet

/// One named user of the room: its connection and its outgoing lines. The room puts
/// lines in; the member's writer green thread takes everything queued at each wake-up
/// and sends it in one go, so a busy room costs one send per client per burst, not per
/// line. The queue is bounded in lines and bytes: a client that stops reading is dropped
/// when it overflows, and the room never waits for it.
final class ChatMember: @unchecked Sendable {
    let name: String
    let connection: Connection
    private let outbox: Queue<[UInt8]>
    private let maxBytes: Int
    /// Bytes in `outbox`; only this hub touches it.
    private var queuedBytes = 0
    private(set) var isDropped = false

    init(name: String, connection: Connection, limits: ChatServer.Limits) {
        self.name = name
        self.connection = connection
        outbox = Queue(capacity: limits.queuedLines)
        maxBytes = limits.queuedBytes
    }

    /// Queues `line` (with its newline) for the client; on overflow drops the client.
    func deliver(_ line: [UInt8]) {
        guard !isDropped else { return }
        if queuedBytes + line.count <= maxBytes, (try? outbox.tryPut(line)) == true {
            queuedBytes += line.count
        } else {
            drop(saying: ChatRoom.line("## disconnected: too slow"))
        }
    }

    /// Sends what is queued, a wake-up's worth per send, until the queue is closed and
    /// empty or the client is gone; then closes the connection, which ends its reader.
    func writeLoop() async {
        defer { connection.close() }
        var batch: [UInt8] = []
        while let first = try? await outbox.get() {
            batch.removeAll(keepingCapacity: true)
            batch += first
            while let more = try? outbox.tryGet() { batch += more }
            queuedBytes -= batch.count
            do {
                try await connection.sendAll(batch)
            } catch {
                return
            }
        }
    }

    /// No more lines: the writer sends what is queued and ends.
    func finish() {
        outbox.close()
    }

    /// Drops a client that does not keep up: a last line if it fits in the socket buffer
    /// at once, then the connection closes, which ends both its green threads.
    private func drop(saying farewell: [UInt8]) {
        isDropped = true
        outbox.close()
        _ = try? connection.trySend(farewell)
        connection.close()
    }
}
