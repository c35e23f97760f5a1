import Glibc

/// Every way a socket operation fails, with a message a person can read.
public enum NetworkError: Error, Equatable, CustomStringConvertible {
    case connectionRefused
    case connectionReset
    case timedOut
    /// The socket was closed, by this side, or under a pending operation.
    case closed
    case addressInUse
    case addressNotAvailable
    case hostNotFound(String)
    case networkUnreachable
    case hostUnreachable
    case invalidAddress(String)
    case tooManyOpenFiles
    case permissionDenied
    /// The peer closed the connection before `count` bytes arrived (`read(exactly:)`).
    case unexpectedEOF(expected: Int, received: Int)
    /// No delimiter within `maxLength` bytes (`readLine`).
    case lineTooLong(maxLength: Int)
    /// Any other errno, with the call that returned it.
    case system(call: String, errno: Int32)

    /// Maps an errno from `call` to the case a caller can act on.
    public init(errno code: Int32, call: String) {
        switch code {
        case ECONNREFUSED: self = .connectionRefused
        case ECONNRESET, EPIPE, ECONNABORTED: self = .connectionReset
        case ETIMEDOUT: self = .timedOut
        case EADDRINUSE: self = .addressInUse
        case EADDRNOTAVAIL: self = .addressNotAvailable
        case ENETUNREACH, ENETDOWN: self = .networkUnreachable
        case EHOSTUNREACH, EHOSTDOWN: self = .hostUnreachable
        case EMFILE, ENFILE: self = .tooManyOpenFiles
        case EACCES, EPERM: self = .permissionDenied
        case EBADF: self = .closed
        default: self = .system(call: call, errno: code)
        }
    }

    public var description: String {
        switch self {
        case .connectionRefused: "connection refused"
        case .connectionReset: "connection reset by peer"
        case .timedOut: "timed out"
        case .closed: "socket closed"
        case .addressInUse: "address already in use"
        case .addressNotAvailable: "address not available"
        case .hostNotFound(let host): "unknown host \(host)"
        case .networkUnreachable: "network unreachable"
        case .hostUnreachable: "host unreachable"
        case .invalidAddress(let text): "invalid address \(text)"
        case .tooManyOpenFiles: "too many open files"
        case .permissionDenied: "permission denied"
        case .unexpectedEOF(let expected, let received):
            "connection closed after \(received) of \(expected) bytes"
        case .lineTooLong(let maxLength): "line longer than \(maxLength) bytes"
        case .system(let call, let code): "\(call): \(String(cString: strerror(code)))"
        }
    }
}
