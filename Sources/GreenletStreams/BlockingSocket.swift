import Glibc
import Greenlet

/// A TCP socket in blocking mode, for the execution models that give each fetch an OS
/// thread or process of its own (`crawl --mode sequential|threads|processes`): every call
/// blocks the calling thread, which must therefore never be a hub's. The deadline becomes
/// `SO_RCVTIMEO`/`SO_SNDTIMEO` before each call, which Linux also applies to `connect`.
public final class BlockingSocket: ByteStream {
    private let fd: Int32
    private var isClosed = false
    public var deadline: UInt64?

    private init(fd: Int32, deadline: UInt64?) {
        self.fd = fd
        self.deadline = deadline
    }

    deinit { close() }

    /// Resolves `host` (getaddrinfo, blocking) and connects to each address in turn.
    public static func connect(host: String, port: Int, deadline: UInt64?) throws -> BlockingSocket {
        let addresses: [SocketAddress]
        do {
            addresses = try SocketAddress(numericHost: host, port: port).map { [$0] } ?? Resolver.lookUp(host: host, port: port)
        } catch where deadline.map({ MonotonicClock.now() >= $0 }) ?? false {
            // A lookup that outlived the deadline reports what a green fetch reports.
            throw NetworkError.timedOut
        }
        if let deadline, MonotonicClock.now() >= deadline { throw NetworkError.timedOut }
        var lastError = NetworkError.hostNotFound(host)
        for address in addresses {
            let fd = socket(address.family, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { throw NetworkError(errno: errno, call: "socket") }
            let stream = BlockingSocket(fd: fd, deadline: deadline)
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            do {
                try stream.armTimeouts()
                let rc = address.withSockAddr { Glibc.connect(fd, $0, $1) }
                // A connect cut short by SO_SNDTIMEO reports EINPROGRESS.
                guard rc == 0 else { throw errno == EINPROGRESS ? NetworkError.timedOut : NetworkError(errno: errno, call: "connect") }
                return stream
            } catch let error as NetworkError where error != .timedOut {
                lastError = error
            }
        }
        throw lastError
    }

    public func write(_ bytes: [UInt8]) async throws {
        var offset = 0
        while offset < bytes.count {
            try armTimeouts()
            let count = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if count < 0 { try fail("send") } else { offset += count }
        }
    }

    public func read(into bytes: inout [UInt8]) async throws -> Int {
        while true {
            try armTimeouts()
            let count = bytes.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count >= 0 { return count }
            try fail("recv")
        }
    }

    public func close() {
        guard !isClosed else { return }
        isClosed = true
        Glibc.close(fd)
    }

    /// Both socket timeouts set to what is left of the deadline; none (0) without one.
    private func armTimeouts() throws {
        let micros = try secondsLeft().map { max(1, Int($0 * 1e6)) } ?? 0
        var tv = timeval(tv_sec: micros / 1_000_000, tv_usec: micros % 1_000_000)
        for option in [SO_RCVTIMEO, SO_SNDTIMEO] {
            setsockopt(fd, SOL_SOCKET, option, &tv, socklen_t(MemoryLayout<timeval>.size))
        }
    }

    /// After a failed call: retries on EINTR (returns), maps a timeout and other errors.
    private func fail(_ call: String) throws {
        switch errno {
        case EINTR: return
        case EAGAIN, EWOULDBLOCK: throw NetworkError.timedOut
        case let code: throw NetworkError(errno: code, call: call)
        }
    }
}
