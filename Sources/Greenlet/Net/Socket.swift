import CGreenlet
import Glibc

/// The socket syscalls shared by listeners and connections.
enum Socket {
    /// A new non-blocking, close-on-exec socket: TCP by default.
    static func open(family: Int32, type: __socket_type = SOCK_STREAM) throws(NetworkError) -> Int32 {
        let fd = socket(family, Int32(type.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw NetworkError(errno: greenlet_errno(), call: "socket") }
        return fd
    }

    /// The address a server binds: `host` is a numeric IPv4 or IPv6 address, or
    /// `localhost`; names are not resolved, since resolving would block the hub.
    static func bindAddress(host: String, port: Int) throws(NetworkError) -> SocketAddress {
        let numeric = host == "localhost" ? "127.0.0.1" : host
        guard let address = SocketAddress(numericHost: numeric, port: port) else {
            throw NetworkError.invalidAddress(port < 0 || port > 65535 ? "port \(port)" : host)
        }
        return address
    }

    static func bind(_ fd: Int32, to address: SocketAddress) throws(NetworkError) {
        let code = address.withSockAddr { sa, length in Glibc.bind(fd, sa, length) == 0 ? 0 : greenlet_errno() }
        guard code == 0 else { throw NetworkError(errno: code, call: "bind") }
    }

    static func setOption(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: Int32) throws(NetworkError) {
        var value = value
        guard setsockopt(fd, level, name, &value, socklen_t(MemoryLayout<Int32>.size)) == 0 else {
            throw NetworkError(errno: greenlet_errno(), call: "setsockopt")
        }
    }

    /// The pending error of a socket (SO_ERROR), 0 when there is none.
    static func pendingError(_ fd: Int32) -> Int32 {
        var code: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &length) == 0 else { return greenlet_errno() }
        return code
    }
}
