import Glibc
import Greenlet

/// `greenlet chat`: the gevent chat server (a map of users to queues, a reader and a
/// writer green thread per connection, join and leave notices), with bounded queues so
/// that a client who stops reading never slows the room. The room lives on one hub.
public enum ChatServer {
    public struct Limits: Sendable {
        /// Bytes in a line, line ending excluded.
        public var maxLineLength = 4096
        /// Lines and bytes queued for one client before it is dropped as too slow.
        public var queuedLines = 1024
        public var queuedBytes = 1 << 20
        /// Seconds a connection may stay silent at the name prompt.
        public var nameTimeout = 60.0
        /// Seconds a leaving client's writer gets to send what is queued.
        public var flushTimeout = 1.0

        public init() {}
    }

    /// Serves the room on `host:port` until SIGINT or SIGTERM: then everyone gets
    /// `## server shutting down`, and the connections close within `grace` seconds.
    /// - Parameter listening: called once the socket listens, with its address.
    /// - Throws: `NetworkError` when it cannot listen.
    public static func run(
        host: String, port: Int, grace: Double, limits: Limits = Limits(),
        listening: @escaping @Sendable (SocketAddress) -> Void
    ) throws {
        try Hub.run {
            let listener = try Listener(host: host, port: port)
            let room = ChatRoom()
            let server = Server(listener: listener) { connection in
                var session = ChatSession(connection: connection, room: room, limits: limits)
                await session.run()
            }
            let watcher = SignalWatcher.gracefulShutdown(on: [SIGINT, SIGTERM]) {
                room.shutDown()
                server.shutdown(grace: grace)
            }
            defer { watcher.cancel() }
            try await server.run(signals: [], grace: grace) { listening(listener.localAddress) }
        }
    }
}
