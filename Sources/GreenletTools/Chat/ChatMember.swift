import Greenlet

/// One named user of the room: its connection and its outgoing lines. The room puts
/// lines in; the member's writer green thread takes everything queued at each wake-up
/// and sends it in one go, so a busy room costs one send per client per burst, not per
/// line. The queue is bounded in lines and bytes: a client that stops reading is dropped
/// when it overflows, and the room never waits for it.
final class ChatMember: @unchecked Sendable {
    let name: String
    let connection: Connection
    /// The peer's address without its port, as the gevent chat server prints
    /// `client_addr[0]`.
    let address: String
    private let outbox: Queue<[UInt8]>
    private let maxBytes: Int
    private let maxLines: Int
    /// Lines queued or being sent.
    private var queuedLines = 0
    /// Since when more than half the queue has been waiting: a user who reads but is
    /// behind a burst catches up soon; one who stopped reading never does.
    private var backloggedSince: UInt64?
    /// How long a backlogged user may take to catch up before the room stops waiting.
    private static let catchUpTime: UInt64 = 200_000_000
    /// Bytes queued or being sent (a batch counts until it is out); only this hub
    /// touches it.
    private var queuedBytes = 0
    /// A batch is partly sent: a farewell now would land inside a line.
    private var isSending = false
    private(set) var isDropped = false

    init(name: String, connection: Connection, limits: ChatServer.Limits) {
        self.name = name
        self.connection = connection
        address = connection.remoteAddress?.host ?? "?"
        outbox = Queue(capacity: limits.queuedLines)
        maxBytes = limits.queuedBytes
        maxLines = limits.queuedLines
    }

    /// Behind a burst for less than `catchUpTime`: the room lets it catch up.
    func isCatchingUp(at now: UInt64) -> Bool {
        guard let since = backloggedSince, !isDropped else { return false }
        return now &- since < Self.catchUpTime
    }

    /// Queues `line` (with its newline) for the client; on overflow drops the client.
    func deliver(_ line: [UInt8]) {
        guard !isDropped else { return }
        if queuedBytes + line.count <= maxBytes, (try? outbox.tryPut(line)) == true {
            queuedBytes += line.count
            queuedLines += 1
            if backloggedSince == nil && (queuedLines > maxLines / 2 || queuedBytes > maxBytes / 2) {
                backloggedSince = MonotonicClock.now()
            }
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
            var lines = 1
            while let more = try? outbox.tryGet() {
                batch += more
                lines += 1
            }
            isSending = true
            do {
                try await connection.sendAll(batch)
            } catch {
                return
            }
            isSending = false
            queuedBytes -= batch.count
            queuedLines -= lines
            if queuedLines <= maxLines / 2 && queuedBytes <= maxBytes / 2 { backloggedSince = nil }
        }
    }

    /// No more lines: the writer sends what is queued and ends.
    func finish() {
        outbox.close()
    }

    /// Drops a client that does not keep up: a last line if it fits in the socket buffer
    /// at once (and would not cut a line in two), then the connection closes, which ends
    /// both its green threads.
    private func drop(saying farewell: [UInt8]) {
        isDropped = true
        outbox.close()
        if !isSending { _ = try? connection.trySend(farewell) }
        connection.close()
    }
}
