import CLibevent
import Glibc

/// The socket syscalls shared by listeners and connections.
enum Socket {
    /// A new non-blocking, close-on-exec TCP socket.
    static func open(family: Int32) throws(NetworkError) -> Int32 {
        let fd = socket(family, Int32(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw NetworkError(errno: greenlet_errno(), call: "socket") }
        return fd
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
