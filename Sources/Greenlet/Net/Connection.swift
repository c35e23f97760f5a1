import CGreenlet
import Glibc

/// A TCP connection on the current hub. Reads and writes suspend only the calling green
/// thread; one green thread may read while another writes.
///
/// Belongs to the hub it was made on. Closed by `close()`, or when the last reference goes.
public final class Connection: @unchecked Sendable {
    let poll: PollDescriptor
    /// The peer's address, when the kernel still knows it.
    public let remoteAddress: SocketAddress?
    /// Bytes received by `readLine`/`read(exactly:)` beyond what they returned.
    var buffered = ReadBuffer()
    /// Set by a draining `Server`: a read that would wait while `isBusy` is false reports
    /// end of stream instead, which ends the handler's loop.
    var isDraining = false

    /// Set by a protocol handler while a request is half-read or being answered, so that a
    /// graceful shutdown lets it finish. An echo handler leaves it false: waiting to read
    /// with nothing unanswered is idle.
    public var isBusy = false

    /// The size of the reads `recv(max:)`, `readLine` and `read(exactly:)` make by default.
    public static let defaultReadSize = 65536

    init(acceptedFD fd: Int32, hub: Hub) throws(NetworkError) {
        do {
            try Socket.setOption(fd, Int32(IPPROTO_TCP), TCP_NODELAY, 1)
            poll = try PollDescriptor(fd: fd, hub: hub)
        } catch {
            Glibc.close(fd)
            throw error
        }
        remoteAddress = SocketAddress.of(fd, peer: true)
    }

    /// Adopts a connected stream socket made elsewhere (one end of a `socketpair` shared
    /// with a child process, say): made non-blocking and registered with the current hub,
    /// which then owns it.
    /// - Throws: `NetworkError` when it cannot be registered (the descriptor is closed).
    public convenience init(adopting fd: Int32) throws(NetworkError) {
        let flags = fcntl(fd, F_GETFL)
        guard flags >= 0, fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0 else {
            let code = greenlet_errno()
            Glibc.close(fd)
            throw NetworkError(errno: code, call: "fcntl")
        }
        let poll: PollDescriptor
        do {
            poll = try PollDescriptor(fd: fd, hub: Hub.mustBeCurrent())
        } catch {
            Glibc.close(fd)
            throw error
        }
        self.init(connected: poll)
    }

    init(connected poll: PollDescriptor) {
        self.poll = poll
        remoteAddress = SocketAddress.of(poll.fd, peer: true)
    }

    deinit {
        poll.close()
    }

    /// The local end's address.
    public var localAddress: SocketAddress? { SocketAddress.of(poll.fd, peer: false) }

    /// The connection's file descriptor, for diagnostics and socket options.
    public var fileDescriptor: Int32 { poll.fd }

    public var isClosed: Bool { poll.isClosed }

    // MARK: - Reading

    /// Reads what has arrived, at most `buffer.count` bytes, waiting until something has.
    /// - Parameter timeout: as in `recv(max:timeout:)`.
    /// - Returns: the number of bytes read; 0 at end of stream.
    /// - Throws: `NetworkError` (`.connectionReset`, `.closed`, …), `CancellationError`,
    ///   `TimeoutError`.
    public func recv(into target: UnsafeMutableRawBufferPointer, timeout: Double? = nil) async throws -> Int {
        if !buffered.isEmpty { return buffered.take(into: target) }
        return try await receive(until: .timeout(timeout)) { try readNow(into: target) } ?? 0
    }

    /// Reads what has arrived into the first bytes of `bytes`, at most `bytes.count`,
    /// waiting until something has: a connection that keeps one array reads into it
    /// again and again, with no allocation per read.
    /// - Parameter timeout: as in `recv(max:timeout:)`.
    /// - Returns: the number of bytes read; 0 at end of stream.
    public func recv(into bytes: inout [UInt8], timeout: Double? = nil) async throws -> Int {
        if !buffered.isEmpty { return bytes.withUnsafeMutableBytes { buffered.take(into: $0) } }
        return try await receive(until: .timeout(timeout)) {
            try bytes.withUnsafeMutableBytes { try readNow(into: $0) }
        } ?? 0
    }

    /// Reads what has arrived, at most `max` bytes, waiting until something has.
    /// - Parameter timeout: how long to wait at most (`TimeoutError`); cheaper than an
    ///   enclosing `withTimeout` for a single read.
    /// - Returns: the bytes; empty at end of stream.
    public func recv(max: Int = Connection.defaultReadSize, timeout: Double? = nil) async throws -> [UInt8] {
        precondition(max > 0, "recv(max:) needs room for a byte")
        if !buffered.isEmpty { return buffered.take(max) }
        return try await recvFromSocket(max: max, until: .timeout(timeout))
    }

    func recvFromSocket(max: Int, until deadline: Deadline? = nil) async throws -> [UInt8] {
        try await receive(until: deadline) {
            var wouldBlock = false
            let bytes = try [UInt8](unsafeUninitializedCapacity: max) { storage, initialized in
                let count = try readNow(into: UnsafeMutableRawBufferPointer(storage))
                wouldBlock = count == nil
                initialized = count ?? 0
            }
            return wouldBlock ? nil : bytes
        } ?? []
    }

    /// The read loop: `attempt` reads once (nil when it would block), and between
    /// attempts the green thread waits. Returns nil for a draining server's end of stream.
    private func receive<Result>(until deadline: Deadline? = nil, _ attempt: () throws -> Result?) async throws -> Result? {
        await poll.checkpoint()
        while true {
            if let result = try attempt() { return result }
            guard try await waitForInput(until: deadline) else { return nil }
        }
    }

    /// One read syscall. Returns nil when it would block; a short read marks the socket
    /// drained (see `PollDescriptor.attemptRead`).
    private func readNow(into target: UnsafeMutableRawBufferPointer) throws(NetworkError) -> Int? {
        try poll.attemptRead("recv", requested: target.count) { Glibc.read(poll.fd, target.baseAddress, target.count) }
    }

    /// Parks until the socket may be readable. Returns false when a draining server says
    /// this idle connection is to end, which callers report as end of stream.
    private func waitForInput(until deadline: Deadline? = nil) async throws -> Bool {
        // Half a request already buffered counts as busy: it may still be completed.
        if isDraining && !isBusy && buffered.isEmpty { return false }
        try await poll.waitReadable(.read(fd: poll.fd), until: deadline)
        return true
    }

    // MARK: - Writing

    /// Sends as many bytes as the socket takes now, waiting until it takes at least one.
    /// - Returns: the number of bytes sent.
    /// - Throws: `NetworkError` (`.connectionReset` when the peer is gone, `.closed`, …),
    ///   `CancellationError`, `TimeoutError`.
    public func send(_ bytes: some Collection<UInt8>) async throws -> Int {
        try await write(bytes, all: false)
    }

    /// Sends what fits in the socket buffer now, never waiting: a last word to a peer that
    /// is about to be dropped for not reading.
    /// - Returns: the bytes sent; 0 when the buffer is full.
    /// - Throws: as `send`.
    public func trySend(_ bytes: [UInt8]) throws -> Int {
        try bytes.withUnsafeBytes { try sendNow($0, flags: Int32(MSG_NOSIGNAL)) } ?? 0
    }

    /// Sends every byte, waiting whenever the socket buffer is full (Bluelet's `sendall`).
    /// Takes arrays, slices, `string.utf8` and `UnsafeRawBufferPointer` without copying.
    /// - Throws: as `send`; the bytes sent before an error are gone.
    /// - Parameters:
    ///   - more: more data follows at once (a file after its header): the kernel holds a
    ///     partial segment back for it (MSG_MORE), so both leave in as few packets as can be.
    ///   - idleTimeout: how long the peer may take no byte at all before `TimeoutError`;
    ///     nil waits as long as it takes.
    public func sendAll(_ bytes: some Collection<UInt8>, more: Bool = false, idleTimeout: Double? = nil) async throws {
        _ = try await write(bytes, all: true, flags: more ? Int32(MSG_NOSIGNAL) | Int32(MSG_MORE) : Int32(MSG_NOSIGNAL), idleTimeout: idleTimeout)
    }

    /// Sends `count` bytes of the file `fd` from `offset` with `sendfile`: the kernel copies
    /// them from the page cache to the socket, so memory stays flat whatever the size.
    /// - Parameter idleTimeout: as in `sendAll`.
    /// - Throws: as `send`, and `NetworkError` when the file cannot be read
    ///   (`.system(call: "sendfile", …)`) or ends early (`.unexpectedEOF`).
    public func sendFile(_ fd: Int32, offset: Int, count: Int, idleTimeout: Double? = nil) async throws {
        await poll.checkpoint()
        var position = off_t(offset)
        let end = off_t(offset + count)
        while position < end {
            if let sent = try poll.attemptWrite("sendfile", { Glibc.sendfile(poll.fd, fd, &position, Int(end - position)) }) {
                if sent == 0 { throw NetworkError.unexpectedEOF(expected: count, received: Int(position) - offset) }
            } else {
                try await poll.waitWritable(.write(fd: poll.fd), until: .timeout(idleTimeout))
            }
        }
    }

    private func write(
        _ bytes: some Collection<UInt8>, all: Bool, flags: Int32 = Int32(MSG_NOSIGNAL), idleTimeout: Double? = nil
    ) async throws -> Int {
        await poll.checkpoint()
        var offset = 0
        var copy: [UInt8]?  // for the rare collection without contiguous storage
        repeat {
            let attempt = try bytes.withContiguousStorageIfAvailable { storage in
                try sendNow(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(storage)[offset...]), flags: flags)
            } ?? {
                if copy == nil { copy = Array(bytes) }
                return try copy!.withUnsafeBytes { try sendNow(UnsafeRawBufferPointer(rebasing: $0[offset...]), flags: flags) }
            }()
            if let count = attempt {
                offset += count
                if !all { break }
            } else {
                try await poll.waitWritable(.write(fd: poll.fd), until: .timeout(idleTimeout))
            }
        } while offset < bytes.count
        return offset
    }

    /// One send syscall. Returns nil when it would block; a short send marks the socket
    /// buffer full, so that the next send parks.
    private func sendNow(_ bytes: UnsafeRawBufferPointer, flags: Int32) throws -> Int? {
        try poll.attemptWrite("send", requested: bytes.count) { Glibc.send(poll.fd, bytes.baseAddress, bytes.count, flags) }
    }

    // MARK: - Closing

    /// Half-closes: the peer reads end of stream, and this side can still read.
    public func shutdownWrite() throws(NetworkError) {
        guard !poll.isClosed else { throw NetworkError.closed }
        guard Glibc.shutdown(poll.fd, Int32(SHUT_WR)) == 0 else {
            throw NetworkError(errno: greenlet_errno(), call: "shutdown")
        }
    }

    /// Closes the connection; green threads waiting on it get `NetworkError.closed`.
    /// Closing twice does nothing.
    public func close() {
        poll.close()
    }

    /// Wakes a reader so that it re-checks `isDraining`.
    func beginDraining() {
        isDraining = true
        poll.nudgeReader()
    }
}
