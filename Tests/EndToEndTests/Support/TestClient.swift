import Foundation
import Glibc
import GreenletTestSupport

/// A system call failed (a socket call: or timed out, `code == EAGAIN`).
struct SocketError: Error, CustomStringConvertible {
    var call: String
    var code: Int32

    var description: String { "\(call): \(String(cString: strerror(code))) (errno \(code))" }
}

/// A plain POSIX TCP client to 127.0.0.1, blocking with SO_RCVTIMEO/SO_SNDTIMEO so that no
/// call hangs forever. Never raises SIGPIPE (every send uses MSG_NOSIGNAL).
final class TestClient {
    /// Per-call bound of blocking sends and receives (and of a blocking connect).
    static let callTimeout = 2.0

    private(set) var fd: Int32

    /// Connects to `host`:`port` (`127.0.0.1` or `::1`), blocking at most `callTimeout`.
    init(port: UInt16, host: String = "127.0.0.1") throws {
        let ipv6 = host.contains(":")
        fd = try Self.makeSocket(nonBlocking: false, family: ipv6 ? AF_INET6 : AF_INET)
        setTimeout(SO_RCVTIMEO, seconds: Self.callTimeout)
        setTimeout(SO_SNDTIMEO, seconds: Self.callTimeout)  // also bounds connect()
        if try (ipv6 ? Self.connectIPv6(fd, host: host, port: port) : Self.connect(fd, port: port)) != 0 {
            let code = errno
            Glibc.close(fd)
            throw SocketError(call: "connect", code: code)
        }
    }

    /// Starts a connection without waiting for it (non-blocking connect): for piling up
    /// connections a server may never accept.
    init(startingConnectionTo port: UInt16) throws {
        fd = try Self.makeSocket(nonBlocking: true)
        if try Self.connect(fd, port: port) != 0 && errno != EINPROGRESS {
            let code = errno
            Glibc.close(fd)
            throw SocketError(call: "connect", code: code)
        }
    }

    deinit { close() }

    private static func makeSocket(nonBlocking: Bool, family: Int32 = AF_INET) throws -> Int32 {
        var type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        if nonBlocking { type |= Int32(SOCK_NONBLOCK.rawValue) }
        let fd = socket(family, type, 0)
        guard fd >= 0 else { throw SocketError(call: "socket", code: errno) }
        return fd
    }

    private static func connect(_ fd: Int32, port: UInt16) throws -> Int32 {
        var address = loopbackAddress(port: Int(port))
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
    }

    private static func connectIPv6(_ fd: Int32, host: String, port: UInt16) throws -> Int32 {
        var address = sockaddr_in6()
        address.sin6_family = sa_family_t(AF_INET6)
        address.sin6_port = port.bigEndian
        guard inet_pton(AF_INET6, host, &address.sin6_addr) == 1 else {
            throw SocketError(call: "inet_pton", code: EINVAL)
        }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
            }
        }
    }

    private func setTimeout(_ option: Int32, seconds: Double) {
        var value = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - seconds.rounded(.down)) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, option, &value, socklen_t(MemoryLayout<timeval>.size))
    }

    // MARK: - Sending

    /// Sends every byte (each blocking send bounded by `callTimeout`).
    func sendAll(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let count = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            if count < 0 {
                if errno == EINTR { continue }
                throw SocketError(call: "send", code: errno)
            }
            sent += count
        }
    }

    /// Sends from `bytes` without blocking until the socket buffers are full (or all of
    /// `bytes` went). Returns how many bytes were sent.
    func sendUntilBlocked(_ bytes: [UInt8]) throws -> Int {
        var sent = 0
        while sent < bytes.count {
            let count = bytes.withUnsafeBytes {
                send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
            }
            if count < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { break }
                throw SocketError(call: "send", code: errno)
            }
            sent += count
        }
        return sent
    }

    // MARK: - Receiving

    /// One receive of at most `max` bytes; `[]` means the peer closed (EOF). Throws
    /// `SocketError(code: EAGAIN)` when nothing came within `callTimeout`.
    func receive(max: Int = 64 * 1024) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: max)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0 {
                if errno == EINTR { continue }
                throw SocketError(call: "recv", code: errno)
            }
            return Array(buffer[..<count])
        }
    }

    /// Whether bytes (or EOF, or an error) are waiting to be received, waiting at most
    /// `seconds` for them.
    func isReadable(within seconds: Double) -> Bool {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while true {
            let ready = poll(&entry, 1, Int32(seconds * 1000))
            if ready < 0 && errno == EINTR { continue }
            return ready > 0
        }
    }

    /// Receives until `count` bytes came, the peer closed, or `seconds` passed (then it
    /// throws). May return fewer than `count` bytes only at EOF.
    func receive(exactly count: Int, within seconds: Double = 5) throws -> [UInt8] {
        let deadline = Date(timeIntervalSinceNow: seconds)
        var received: [UInt8] = []
        while received.count < count {
            do {
                let chunk = try receive(max: count - received.count)
                if chunk.isEmpty { break }
                received += chunk
            } catch let error as SocketError where error.code == EAGAIN {
                guard Date() < deadline else {
                    throw SocketError(call: "recv (timed out after \(seconds) s with \(received.count) of \(count) bytes)", code: EAGAIN)
                }
            }
        }
        return received
    }

    /// Receives everything until the peer closes, at most `seconds` long (then it throws).
    func receiveUntilEOF(within seconds: Double = 5) throws -> [UInt8] {
        let deadline = Date(timeIntervalSinceNow: seconds)
        var received: [UInt8] = []
        while true {
            do {
                let chunk = try receive()
                if chunk.isEmpty { return received }
                received += chunk
            } catch let error as SocketError where error.code == EAGAIN {
                guard Date() < deadline else {
                    throw SocketError(call: "recv (no EOF within \(seconds) s, \(received.count) bytes so far)", code: EAGAIN)
                }
            }
        }
    }

    /// Sends `payload` and receives as many bytes back. For payloads that fit in the socket
    /// buffers (up to a few tens of KiB); bigger ones go through `Conversation`.
    func echo(_ payload: [UInt8], within seconds: Double = 5) throws -> [UInt8] {
        try sendAll(payload)
        return try receive(exactly: payload.count, within: seconds)
    }

    // MARK: - Closing

    /// Half-closes: no more bytes from this side; receiving still works.
    func shutdownWrite() {
        shutdown(fd, Int32(SHUT_WR))
    }

    /// Closes abortively: SO_LINGER 0, so the peer gets a RST instead of a FIN.
    func resetClose() {
        guard fd >= 0 else { return }
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        close()
    }

    func close() {
        guard fd >= 0 else { return }
        Glibc.close(fd)
        fd = -1
    }
}

/// Raises this test process's soft limit on open files to at least `wanted` (bounded by
/// the hard limit), for tests that hold many client sockets at once.
func raiseOpenFileLimit(atLeast wanted: rlim_t) throws {
    var limit = rlimit()
    guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { throw SocketError(call: "getrlimit", code: errno) }
    if limit.rlim_cur < wanted {
        limit.rlim_cur = min(wanted, limit.rlim_max)
        guard setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { throw SocketError(call: "setrlimit", code: errno) }
    }
}
