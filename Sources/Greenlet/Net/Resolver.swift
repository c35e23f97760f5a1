import CGreenlet
import Glibc

/// Turns a host name into socket addresses without blocking the hub: numeric addresses
/// are parsed in place; names go to `getaddrinfo` on a worker thread, so /etc/hosts and
/// nsswitch apply as in any libc program.
public enum Resolver {
    /// - Throws: `NetworkError.hostNotFound` when the name does not resolve,
    ///   `CancellationError`/`TimeoutError` when the wait is cut short.
    public static func resolve(host: String, port: Int) async throws -> [SocketAddress] {
        guard (0...65535).contains(port) else { throw NetworkError.invalidAddress("port \(port)") }
        if let address = SocketAddress(numericHost: host, port: port) {
            return [address]
        }
        return try await blocking { try lookUp(host: host, port: port) }
    }

    /// The blocking lookup itself, for a thread that may block: never a hub's.
    public static func lookUp(host: String, port: Int) throws -> [SocketAddress] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_ADDRCONFIG
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let list else {
            if rc == EAI_SYSTEM { throw NetworkError(errno: greenlet_errno(), call: "getaddrinfo") }
            throw NetworkError.hostNotFound(host)
        }
        defer { freeaddrinfo(list) }
        var addresses: [SocketAddress] = []
        var entry: UnsafeMutablePointer<addrinfo>? = list
        while let info = entry {
            if let sa = info.pointee.ai_addr {
                let address = SocketAddress(sa, length: info.pointee.ai_addrlen)
                if !addresses.contains(address) { addresses.append(address) }
            }
            entry = info.pointee.ai_next
        }
        guard !addresses.isEmpty else { throw NetworkError.hostNotFound(host) }
        return addresses
    }
}
