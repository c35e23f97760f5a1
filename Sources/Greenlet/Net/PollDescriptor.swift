import CGreenlet
import CLibevent
import Glibc

/// One fd's registration with its hub, after Go's `pollDesc`: a single persistent,
/// edge-triggered libevent event (one `epoll_ctl` for the fd's whole life) with one reader
/// and one writer slot.
///
/// Edge-triggered means a readiness edge is reported once. So a green thread parks only
/// after the syscall said EAGAIN (or read short, once that is proven to mean the same:
/// see `attemptRead`), and an edge that arrives while nobody waits is remembered in
/// `readReady`/`writeReady`, making the next wait retry the syscall instead of parking.
/// That state is this type's alone: callers make syscalls through `attemptRead` and
/// `attemptWrite`, and wait with `waitReadable` and `waitWritable`.
final class PollDescriptor: WaitSite {
    /// The edges an fd is registered for.
    enum Interest {
        /// Readable, writable, and the peer's half-close (EV_CLOSED): a TCP connection.
        case stream
        /// Readable and writable: a datagram socket has no peer to hang up.
        case datagram
        /// Readable only: a listening socket, whose reads are accepts.
        case listening

        var events: Int32 {
            switch self {
            case .stream: EV_READ | EV_WRITE | EV_CLOSED
            case .datagram: EV_READ | EV_WRITE
            case .listening: EV_READ
            }
        }
    }


    let fd: Int32
    /// Strong: the event lives in the hub's base, which must outlive it.
    let hub: Hub
    private var event: OpaquePointer?
    @exclusivity(unchecked) private var reader: Waiter?
    @exclusivity(unchecked) private var writer: Waiter?
    /// False once the last read came back short or with EAGAIN, until the next edge.
    @exclusivity(unchecked) private var readReady = true
    /// The last read came back short (`readReady` is false) but nothing has yet proven
    /// the socket drained; see `attemptRead`.
    @exclusivity(unchecked) private var drainUnproven = false
    /// False once the last write came back short or with EAGAIN, until the next edge.
    @exclusivity(unchecked) private var writeReady: Bool
    private(set) var isClosed = false
    /// Operations that completed without waiting since the last wait; see `checkpoint`.
    @exclusivity(unchecked) private var streak = 0
    /// The peer has half-closed (EV_CLOSED). Its FIN may have come with the last data, in
    /// one edge, so from now on a short read no longer means "wait for the next edge".
    private(set) var peerClosed = false

    /// Registers `fd` with `hub`. `writeReady` says whether the first write should try the
    /// syscall before waiting for an edge (not for a socket still connecting).
    init(fd: Int32, hub: Hub, interest: Interest = .stream, writeReady: Bool = true) throws(NetworkError) {
        hub.assertOnHub("register fd")
        self.fd = fd
        self.hub = hub
        self.writeReady = writeReady
        let me = Unmanaged.passUnretained(self).toOpaque()
        event = event_new(hub.base, fd, Int16(interest.events | EV_PERSIST | EV_ET), { _, what, arg in
            Unmanaged<PollDescriptor>.fromOpaque(arg!).takeUnretainedValue().ready(Int32(what))
        }, me)
        guard let event, event_add(event, nil) == 0 else {
            let code = greenlet_errno()
            if let event { event_free(event) }
            self.event = nil
            throw NetworkError(errno: code == 0 ? ENOMEM : code, call: "event_add")
        }
    }

    deinit {
        if let event { event_free(event) }
    }

    private func ready(_ what: Int32) {
        if what & EV_CLOSED != 0 { peerClosed = true }
        if what & (EV_READ | EV_CLOSED) != 0 {
            readReady = true
            if let reader {
                self.reader = nil
                reader.wake()
            }
        }
        if what & EV_WRITE != 0 {
            writeReady = true
            if let writer {
                self.writer = nil
                writer.wake()
            }
        }
    }

    /// Returns at once when an edge came since the last EAGAIN; else parks the caller in
    /// the reader slot until one does.
    /// - Throws: `NetworkError.closed` if the fd is closed before or during the wait,
    ///   `CancellationError` on kill, `TimeoutError` past a deadline.
    func waitReadable(_ reason: WaitReason, until deadline: Deadline? = nil) async throws {
        try await wait(reading: true, reason, until: deadline)
    }

    /// Waits `seconds` or until the next edge, in the reader slot so that `close()` still
    /// ends the wait; the next `attemptRead` then asks the kernel again (a listener out of
    /// fds, whose pending connections raise no new edge).
    func backOff(_ reason: WaitReason, seconds: Double) async throws {
        readReady = false
        try await wait(reading: true, reason, until: Deadline(at: MonotonicClock.deadline(after: seconds), expiry: .wake))
        readReady = true
    }

    /// The writer-slot twin of `waitReadable` (`nextEdge`: a connect woken before its
    /// handshake ended).
    func waitWritable(_ reason: WaitReason, until deadline: Deadline? = nil, nextEdge: Bool = false) async throws {
        if nextEdge { writeReady = false }
        try await wait(reading: false, reason, until: deadline)
    }

    /// Called before each read or write: every 64 operations that did not have to wait,
    /// the caller yields, so that a peer who always has data (or always takes it) cannot
    /// keep the other green threads of the hub from running.
    @inline(__always)
    func checkpoint() async {
        streak &+= 1
        if streak >= 64 {
            streak = 0
            await Task.yield()
        }
    }

    @inline(__always)
    private func wait(reading: Bool, _ reason: WaitReason, until deadline: Deadline?) async throws {
        guard !isClosed else { throw NetworkError.closed }
        if reading ? readReady : writeReady { return }
        streak = 0
        precondition((reading ? reader : writer) == nil, "two green threads \(reading ? "reading" : "writing") fd \(fd) at once")
        try await Waiter.park(on: hub, reason: reason, until: deadline) { waiter in
            waiter.site = self
            if reading { reader = waiter } else { writer = waiter }
        }
    }

    /// One read syscall (`read`, `recvfrom`, `accept4`), retried on EINTR: its result, or
    /// nil when nothing is there (then until the next edge, without a syscall).
    ///
    /// - Parameter requested: for a stream read, the bytes asked for. A shorter read means
    ///   the socket is drained for now, so the next read can park instead of paying for an
    ///   EAGAIN — once that is proven: a reset that came with the data arrives in the same
    ///   edge, which libevent reports as a plain read/write edge, and would otherwise never
    ///   wake the reader. A write that succeeds proves it (a pending reset fails every
    ///   send); without one, the next read still asks the kernel. Nil for a datagram or an
    ///   accept, which leave others queued behind them: only EAGAIN means wait.
    /// - Throws: `NetworkError.closed` once closed, the call's errno as a `NetworkError`.
    @inline(__always)
    func attemptRead(_ call: String, requested: Int? = nil, _ syscall: () -> Int) throws(NetworkError) -> Int? {
        guard !isClosed else { throw .closed }
        guard readReady || drainUnproven else { return nil }
        while true {
            let result = syscall()
            if result >= 0 {
                if let requested {
                    let drained = result < requested && !peerClosed
                    readReady = !drained
                    drainUnproven = drained
                }
                return result
            }
            switch greenlet_errno() {
            case EINTR: continue
            case EAGAIN:
                readReady = false
                drainUnproven = false
                return nil
            case let code: throw NetworkError(errno: code, call: call)
            }
        }
    }

    /// One write syscall (`send`, `sendto`, `sendfile`), retried on EINTR: its count, or
    /// nil when the socket buffer is full (then until the next edge, without a syscall).
    /// Any write also proves no reset was pending (see `attemptRead`).
    /// - Parameter requested: the bytes offered to a `send`: a shorter send means the
    ///   buffer is full, so the next one parks.
    func attemptWrite(_ call: String, requested: Int? = nil, _ syscall: () -> Int) throws(NetworkError) -> Int? {
        guard !isClosed else { throw .closed }
        guard writeReady else { return nil }
        while true {
            let count = syscall()
            if count >= 0 {
                drainUnproven = false
                if let requested, count < requested { writeReady = false }
                return count
            }
            switch greenlet_errno() {
            case EINTR: continue
            case EAGAIN:
                writeReady = false
                return nil
            case let code: throw NetworkError(errno: code, call: call)
            }
        }
    }

    /// Wakes a parked reader as if an edge came, so it re-checks its own condition.
    func nudgeReader() {
        ready(EV_READ)
    }

    func withdraw(_ waiter: Waiter) -> Bool {
        if reader === waiter { reader = nil }
        if writer === waiter { writer = nil }
        return true
    }

    /// Unregisters the event, fails both waiters with `NetworkError.closed`, then closes
    /// the fd — in that order, so epoll never sees a closed (and maybe reused) fd.
    func close() {
        guard !isClosed else { return }
        isClosed = true
        if let event {
            event_del(event)
        }
        let (reader, writer) = (self.reader, self.writer)
        self.reader = nil
        self.writer = nil
        reader?.fail(NetworkError.closed)
        writer?.fail(NetworkError.closed)
        Glibc.close(fd)
    }
}
