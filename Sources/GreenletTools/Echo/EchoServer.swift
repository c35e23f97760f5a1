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

    /// Runs the echo server on `threads` hubs, the calling thread's among them, until
    /// SIGINT or SIGTERM, then drains gracefully and returns.
    /// - Parameter listening: called once every hub listens, with the bound address.
    /// - Throws: `ServerGroupError` when a hub cannot listen.
    public static func run(
        host: String, port: Int, threads: Int, grace: Double,
        listening: @escaping @Sendable (SocketAddress) -> Void
    ) throws {
        try ServerGroup(host: host, port: port, threads: threads, grace: grace, handler: handle).run(listening: listening)
    }
}
