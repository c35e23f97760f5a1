import Greenlet
import GreenletHTTP
import GreenletStreams
import GreenletTLS

/// Opens connections to origins: the one part of a fetch that differs between the
/// execution models (a green thread's socket or a blocking one). TLS goes on top the same
/// way for both.
public protocol Dialer: Sendable {
    /// Verifies (or, built with `verify: false`, skips verifying) https origins.
    var tls: TLSContext { get }
    /// A TCP connection to `host:port`, the name resolved as the model allows.
    func connectTCP(host: String, port: Int, deadline: UInt64?) async throws -> any ByteStream
}

extension Dialer {
    /// A stream to `url`'s origin, with TLS for https. Through `proxy`, an http stream is
    /// one to the proxy, which the request then names the URL to; an https one is a
    /// tunnel through it, with TLS to the origin inside.
    func connect(to url: HTTPURL, via proxy: ProxySettings.Proxy?, deadline: UInt64?) async throws -> any ByteStream {
        let stream = try await connectTCP(host: proxy?.host ?? url.host, port: proxy?.port ?? url.port, deadline: deadline)
        guard url.scheme == .https else { return stream }
        do {
            if let proxy { try await ProxyTunnel.open(over: stream, to: url, authorization: proxy.authorization) }
            return try await TLSStream.handshake(over: stream, context: tls, serverName: url.host)
        } catch {
            stream.close()
            throw error
        }
    }
}

/// Green threads on a hub: names resolve on a worker thread, waits park.
public struct GreenDialer: Dialer {
    public let tls: TLSContext

    public init(tls: TLSContext) {
        self.tls = tls
    }

    public func connectTCP(host: String, port: Int, deadline: UInt64?) async throws -> any ByteStream {
        GreenStream(try await connectBounded(host: host, port: port, deadline: deadline), deadline: deadline)
    }

    private func connectBounded(host: String, port: Int, deadline: UInt64?) async throws -> Connection {
        let left = deadline.map { deadline in
            let now = MonotonicClock.now()
            return deadline > now ? Double(deadline - now) / 1e9 : 0
        }
        do {
            return try await Connection.connect(host: host, port: port, timeout: left)
        } catch is TimeoutError {
            throw NetworkError.timedOut
        }
    }
}

/// One OS thread per fetch in flight: `getaddrinfo` and every socket call block it.
public struct BlockingDialer: Dialer {
    public let tls: TLSContext

    public init(tls: TLSContext) {
        self.tls = tls
    }

    public func connectTCP(host: String, port: Int, deadline: UInt64?) async throws -> any ByteStream {
        try BlockingSocket.connect(host: host, port: port, deadline: deadline)
    }
}
