import Greenlet

/// Why a Redis operation failed, in the words a person reads on one line.
public enum RedisError: Error, Equatable, CustomStringConvertible {
    /// Nothing listens at the address (`redis 127.0.0.1:6390: connection refused`).
    case connectionRefused(address: String)
    /// The connection could not be made or was lost: the address and what the network said.
    case connection(address: String, reason: String)
    /// The server did not answer within the timeout.
    case timedOut(address: String)
    /// AUTH failed or is needed: the server's words (`WRONGPASS …`, `NOAUTH …`).
    case authentication(String)
    /// A command against a key holding another type (`WRONGTYPE …`).
    case wrongType(String)
    /// Any other error reply, as the server sent it (`ERR unknown command …`).
    case server(String)
    /// The bytes from the server are not RESP, or not the reply the command expects.
    case protocolViolation(String)
    /// The client was closed, by this side or after an earlier failure.
    case closed
    /// A `redis://` URL that cannot be used.
    case invalidURL(String)

    /// An error reply's message, classified by its leading code word.
    init(reply message: String) {
        let code = message.prefix { $0 != " " }
        switch code {
        case "WRONGTYPE": self = .wrongType(message)
        case "NOAUTH", "WRONGPASS", "NOPERM": self = .authentication(message)
        default: self = .server(message)
        }
    }

    /// A network failure talking to `address`.
    init(_ error: NetworkError, address: String) {
        switch error {
        case .connectionRefused: self = .connectionRefused(address: address)
        case .timedOut: self = .timedOut(address: address)
        default: self = .connection(address: address, reason: error.description)
        }
    }

    /// The server could not be reached, went away, did not answer, or is still loading its
    /// data after a restart: worth trying again on a new connection. Error replies and
    /// protocol errors are not: the same command would fail the same way.
    public var isTransient: Bool {
        switch self {
        case .connectionRefused, .connection, .timedOut, .closed: true
        case .server(let message): message.hasPrefix("LOADING") || message.hasPrefix("MASTERDOWN")
        default: false
        }
    }

    public var description: String {
        switch self {
        case .connectionRefused(let address): "redis \(address): connection refused"
        case .connection(let address, let reason): "redis \(address): \(reason)"
        case .timedOut(let address): "redis \(address): timed out"
        case .authentication(let message): "redis authentication failed: \(message)"
        case .wrongType(let message), .server(let message): "redis: \(message)"
        case .protocolViolation(let what): "redis protocol error: \(what)"
        case .closed: "redis connection closed"
        case .invalidURL(let why): "invalid redis url: \(why)"
        }
    }
}
