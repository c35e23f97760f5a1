import Greenlet

/// `greenlet echo`: every byte a client sends comes back to it, in order.
public enum EchoServer {
    /// Echoes one connection until the client half-closes or leaves. Reads and writes go
    /// through one buffer per connection, and nothing is copied on the way back.
    public static func handle(_ connection: Connection) async throws {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 16 * 1024, alignment: 1)
        defer { buffer.deallocate() }
        while true {
            let count = try await connection.recv(into: buffer)
            if count == 0 { return }
            try await connection.sendAll(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
        }
    }

    /// Runs the echo server on a hub of its own on the calling thread until SIGINT or
    /// SIGTERM, then drains gracefully and returns.
    /// - Parameter listening: called once the socket listens, with the bound address.
    /// - Throws: `NetworkError` when the socket cannot listen.
    public static func run(host: String, port: Int, grace: Double, listening: @escaping @Sendable (SocketAddress) -> Void) throws {
        try Hub.run {
            let listener = try ToolError.listening(on: host, port: port)
            try await Server(listener: listener, handler: handle).run(grace: grace) {
                listening(listener.localAddress)
            }
        }
    }
}
