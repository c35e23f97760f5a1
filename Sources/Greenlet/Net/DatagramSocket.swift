import CGreenlet
import Glibc

/// A UDP socket on the current hub (gevent's `DatagramServer`, a `SOCK_DGRAM` socket).
/// Receives and sends suspend only the calling green thread; one green thread may
/// receive while another sends.
///
/// Belongs to the hub it was made on. Closed by `close()`, or when the last reference goes.
public final class DatagramSocket: @unchecked Sendable {
    /// The address bound, with the real port when port 0 was asked for.
    public let localAddress: SocketAddress
    private let poll: PollDescriptor
    /// Where `receive(max:)` lands a datagram before copying out its exact size, so that a
    /// small datagram does not keep a `max`-sized array alive.
    private var scratch: [UInt8] = []

    /// Binds `host:port`. `host` is a numeric IPv4 or IPv6 address, or `localhost`; names
    /// are not resolved here, since resolving would block the hub.
    /// - Parameters:
    ///   - port: 0 lets the kernel pick a free port (see `localAddress`).
    ///   - reusePort: sets SO_REUSEPORT, so that several sockets (on several hubs) share
    ///     the port and the kernel spreads the datagrams over them.
    /// - Throws: `NetworkError.invalidAddress`, `.addressInUse`, `.permissionDenied`, ….
    public init(host: String = "0.0.0.0", port: Int = 0, reusePort: Bool = false) throws {
        let hub = Hub.mustBeCurrent()
        let address = try Socket.bindAddress(host: host, port: port)
        let fd = try Socket.open(family: address.family, type: SOCK_DGRAM)
        do {
            if reusePort { try Socket.setOption(fd, SOL_SOCKET, SO_REUSEPORT, 1) }
            try Socket.bind(fd, to: address)
            localAddress = SocketAddress.of(fd, peer: false) ?? address
            poll = try PollDescriptor(fd: fd, hub: hub, interest: .datagram)
        } catch {
            Glibc.close(fd)
            throw error
        }
    }

    deinit {
        poll.close()
    }

    /// The socket's file descriptor, for diagnostics and socket options (SO_BROADCAST,
    /// multicast membership, buffer sizes).
    public var fileDescriptor: Int32 { poll.fd }

    public var isClosed: Bool { poll.isClosed }

    // MARK: - Receiving

    /// Waits for the next datagram and returns it with its sender.
    ///
    /// A datagram longer than `max` bytes is truncated: its first `max` bytes are returned
    /// and the rest is discarded, as with `recvfrom`; the next call gets the next datagram.
    /// The default never truncates (a UDP payload is at most 65,527 bytes). To learn
    /// whether a datagram was cut, use `receive(into:)`.
    /// - Throws: `NetworkError` (`.closed`, …), `CancellationError` when killed,
    ///   `TimeoutError` past an enclosing deadline.
    public func receive(max: Int = 65_536) async throws -> (bytes: [UInt8], sender: SocketAddress) {
        precondition(max >= 0, "receive(max:) needs a non-negative size")
        return try await receiving {
            if scratch.count < max { scratch = [UInt8](repeating: 0, count: max) }
            let datagram = try scratch.withUnsafeMutableBytes { try receiveNow(into: UnsafeMutableRawBufferPointer(rebasing: $0[..<max])) }
            return datagram.map { (Array(scratch[..<$0.count]), $0.sender) }
        }
    }

    /// Waits for the next datagram and copies it into `buffer`.
    /// - Returns: the bytes copied, the sender, and whether the datagram was longer than
    ///   `buffer` (its remainder is then discarded).
    /// - Throws: as `receive(max:)`.
    public func receive(into buffer: UnsafeMutableRawBufferPointer) async throws -> (count: Int, sender: SocketAddress, truncated: Bool) {
        try await receiving { try receiveNow(into: buffer) }
    }

    /// The receive loop: `attempt` receives once (nil when nothing is queued), and between
    /// attempts the green thread waits.
    private func receiving<Result>(_ attempt: () throws -> Result?) async throws -> Result {
        await poll.checkpoint()
        while true {
            if let result = try attempt() { return result }
            try await poll.waitReadable(.read(fd: poll.fd))
        }
    }

    /// One `recvfrom`. Returns nil when it would block. A datagram leaves the socket
    /// readable: others may be queued behind it, so only EAGAIN means wait for an edge.
    private func receiveNow(into buffer: UnsafeMutableRawBufferPointer) throws -> (count: Int, sender: SocketAddress, truncated: Bool)? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        // With MSG_TRUNC the kernel returns the datagram's full length, even when it was
        // longer than the buffer: that is how a truncation shows.
        let size = try poll.attemptRead("recvfrom") {
            withUnsafeMutableBytes(of: &storage) { raw in
                recvfrom(poll.fd, buffer.baseAddress, buffer.count, Int32(MSG_TRUNC), raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), &length)
            }
        }
        return size.map { (min($0, buffer.count), SocketAddress(storage: storage, length: length), $0 > buffer.count) }
    }

    // MARK: - Sending

    /// Sends `bytes` as one datagram to `address`, waiting while the socket's send buffer
    /// is full. Takes arrays, slices, `string.utf8` and `UnsafeRawBufferPointer` without
    /// copying. An empty collection sends an empty datagram.
    /// - Throws: `NetworkError` (`.closed`; `.system(call: "sendto", errno: EMSGSIZE)` for
    ///   a datagram too large to send; …), `CancellationError`, `TimeoutError`.
    public func send(_ bytes: some Collection<UInt8>, to address: SocketAddress) async throws {
        await poll.checkpoint()
        var copy: [UInt8]?  // for the rare collection without contiguous storage
        while true {
            let sent = try bytes.withContiguousStorageIfAvailable { storage in
                try sendNow(UnsafeRawBufferPointer(storage), to: address)
            } ?? {
                if copy == nil { copy = Array(bytes) }
                return try copy!.withUnsafeBytes { try sendNow($0, to: address) }
            }()
            if sent { return }
            try await poll.waitWritable(.write(fd: poll.fd))
        }
    }

    /// One `sendto`, which takes the whole datagram or nothing. Returns false when it
    /// would block.
    private func sendNow(_ bytes: UnsafeRawBufferPointer, to address: SocketAddress) throws -> Bool {
        try poll.attemptWrite("sendto") {
            address.withSockAddr { sa, length in sendto(poll.fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL), sa, length) }
        } != nil
    }

    // MARK: - Closing

    /// Closes the socket; green threads waiting on it get `NetworkError.closed`.
    /// Closing twice does nothing.
    public func close() {
        poll.close()
    }
}
