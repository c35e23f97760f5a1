import CGreenlet
import Glibc

/// A listening TCP socket on the current hub (Bluelet's `Listener`).
public final class Listener: @unchecked Sendable {
    /// The address bound, with the real port when port 0 was asked for.
    public let localAddress: SocketAddress
    private let poll: PollDescriptor
    /// The current pause between accepts while the process is out of fds.
    private var backoff = 0.0

    /// Binds and listens on `host:port`. `host` is a numeric IPv4 or IPv6 address, or
    /// `localhost`; names are not resolved here, since resolving would block the hub.
    /// - Parameters:
    ///   - port: 0 lets the kernel pick a free port (see `localAddress`).
    ///   - reusePort: sets SO_REUSEPORT, so that several hubs can listen on one port.
    /// - Throws: `NetworkError.invalidAddress`, `.addressInUse`, `.permissionDenied`, ….
    public init(host: String = "0.0.0.0", port: Int, backlog: Int32 = 1024, reusePort: Bool = false) throws {
        let hub = Hub.mustBeCurrent()
        let address = try Socket.bindAddress(host: host, port: port)
        let fd = try Socket.open(family: address.family)
        do {
            try Socket.setOption(fd, SOL_SOCKET, SO_REUSEADDR, 1)
            if reusePort { try Socket.setOption(fd, SOL_SOCKET, SO_REUSEPORT, 1) }
            try Socket.bind(fd, to: address)
            guard listen(fd, backlog) == 0 else { throw NetworkError(errno: greenlet_errno(), call: "listen") }
            localAddress = SocketAddress.of(fd, peer: false) ?? address
            poll = try PollDescriptor(fd: fd, hub: hub, interest: .listening)
        } catch {
            Glibc.close(fd)
            throw error
        }
    }

    deinit {
        poll.close()
    }

    /// Waits for the next connection.
    ///
    /// When the process runs out of fds (EMFILE/ENFILE) it backs off, 10 ms doubling to
    /// 1 s, and tries again; the pending connection stays queued in the kernel meanwhile,
    /// and the hub keeps serving the connections it has.
    /// - Throws: `NetworkError.closed` once the listener is closed, `CancellationError`
    ///   when killed, `TimeoutError` past an enclosing deadline.
    public func accept() async throws -> Connection {
        while true {
            let accepted: Int?
            do {
                accepted = try poll.attemptRead("accept") {
                    Int(accept4(poll.fd, nil, nil, Int32(SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue)))
                }
            } catch {
                switch error {
                case .connectionReset, .permissionDenied, .system(call: _, errno: EPROTO):
                    continue  // ECONNABORTED, EPERM (a firewall), EPROTO: that peer is gone, not the listener
                case .tooManyOpenFiles, .system(call: _, errno: ENOBUFS), .system(call: _, errno: ENOMEM):
                    backoff = backoff == 0 ? 0.01 : min(backoff * 2, 1)
                    try await poll.backOff(.accept(fd: poll.fd), seconds: backoff)
                    continue
                default:
                    throw error
                }
            }
            guard let fd = accepted else {
                try await poll.waitReadable(.accept(fd: poll.fd))
                continue
            }
            backoff = 0
            do {
                return try Connection(acceptedFD: Int32(fd), hub: poll.hub)
            } catch {
                continue  // the peer left before it could be set up; the fd is closed
            }
        }
    }

    /// Stops listening; a green thread waiting in `accept` gets `NetworkError.closed`.
    public func close() {
        poll.close()
    }

    public var isClosed: Bool { poll.isClosed }
}
