import CGreenlet
import Glibc

extension Connection {
    /// Connects to `host:port`, resolving the name on a worker thread and trying each
    /// address in turn until one accepts.
    /// - Parameter timeout: bounds resolution and connection together; nil waits as long
    ///   as the kernel does.
    /// - Throws: `NetworkError` (`.hostNotFound`, `.connectionRefused`, `.timedOut`, …),
    ///   `CancellationError` when killed, `TimeoutError` past an enclosing `withTimeout`.
    public static func connect(host: String, port: Int, timeout: Double? = nil) async throws -> Connection {
        let hub = Hub.mustBeCurrent()
        let deadline = timeout.map { Deadline(at: MonotonicClock.deadline(after: $0), expiry: .connectTimedOut) }
        let addresses: [SocketAddress]
        if let address = SocketAddress(numericHost: host, port: port) {
            addresses = [address]
        } else {
            guard (0...65535).contains(port) else { throw NetworkError.invalidAddress("port \(port)") }
            addresses = try await runBlocking(on: hub, until: deadline) {
                try Resolver.lookUp(host: host, port: port)
            }
        }
        var lastError = NetworkError.hostNotFound(host)
        for address in addresses {
            do {
                return try await connect(to: address, hub: hub, until: deadline)
            } catch let error as NetworkError where error != .timedOut {
                lastError = error
            }
        }
        throw lastError
    }

    private static func connect(
        to address: SocketAddress, hub: Hub, until deadline: Deadline?
    ) async throws -> Connection {
        let fd = try Socket.open(family: address.family)
        let rc = address.withSockAddr { Glibc.connect(fd, $0, $1) }
        let code = rc == 0 ? 0 : greenlet_errno()
        guard rc == 0 || code == EINPROGRESS else {
            Glibc.close(fd)
            throw NetworkError(errno: code, call: "connect")
        }
        // Registered after connect(): the registration reports readiness as it is now,
        // so no stale edge from the unconnected socket can wake the wait below.
        let poll: PollDescriptor
        do {
            try Socket.setOption(fd, Int32(IPPROTO_TCP), TCP_NODELAY, 1)
            poll = try PollDescriptor(fd: fd, hub: hub, writeReady: rc == 0)
        } catch {
            Glibc.close(fd)
            throw error
        }
        do {
            var wokenEarly = false  // before the handshake ended: wait for the next edge
            while true {
                try await poll.waitWritable(.connect(fd: fd), until: deadline, nextEdge: wokenEarly)
                let pending = Socket.pendingError(fd)
                if pending != 0 { throw NetworkError(errno: pending, call: "connect") }
                if SocketAddress.of(fd, peer: true) != nil { break }
                wokenEarly = true
            }
        } catch {
            poll.close()
            throw error
        }
        return Connection(connected: poll)
    }

}
