import Glibc
import Greenlet
import GreenletRedis

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

    /// One room over several servers, through Redis (`--redis redis://HOST:PORT/ROOM`).
    public struct Federation: Sendable {
        /// The Redis server; its path is the room's name, not a database.
        public var redis: RedisURL
        public var room: String
        /// Seconds a server's sign of life lasts: a server silent this long is dead to
        /// the others, and its users leave the room.
        public var liveness = 3.0
        /// Seconds between renewals of the sign of life (and looks at the others').
        public var heartbeat = 1.0
        /// Seconds a user at the prompt waits for Redis to claim a name.
        public var claimTimeout = 1.0
        /// Seconds Redis may take to connect or answer before it counts as lost.
        public var commandTimeout = 5.0
        /// Reconnecting waits 0.1 s, doubling up to this.
        public var maxReconnectDelay = 2.0
        /// Events kept for Redis while it is away; past that the oldest go.
        public var outboxLimit = 10_000

        /// - Throws: `RedisError.invalidURL` when the URL names no room.
        public init(url: RedisURL) throws(RedisError) {
            guard let room = url.path, !room.isEmpty else {
                throw .invalidURL("\(url) (no room name: redis://HOST:PORT/ROOM)")
            }
            self.room = room
            redis = url
            redis.path = nil
        }
    }

    /// Serves the room on `host:port` until SIGINT or SIGTERM: then everyone gets
    /// `## server shutting down`, and the connections close within `grace` seconds.
    /// - Parameters:
    ///   - federation: the room spans every server given the same one.
    ///   - warn: each line about Redis going away and coming back.
    ///   - listening: called once the socket listens, with its address.
    /// - Throws: `NetworkError` when it cannot listen, `RedisError` when the federation's
    ///   Redis cannot be reached at start.
    public static func run(
        host: String, port: Int, grace: Double, limits: Limits = Limits(), federation: Federation? = nil,
        warn: @escaping @Sendable (String) -> Void = { _ in },
        listening: @escaping @Sendable (SocketAddress) -> Void
    ) throws {
        try Hub.run {
            let listener = try Listener(host: host, port: port)
            let room = ChatRoom()
            if let federation {
                let link = ChatFederation(room: room, settings: federation, warn: warn)
                try await link.start()
                room.federation = link
            }
            let server = Server(listener: listener, handler: session(in: room, limits: limits))
            let watcher = SignalWatcher.gracefulShutdown(on: [SIGINT, SIGTERM]) {
                room.shutDown()
                server.shutdown(grace: grace)
            }
            defer { watcher.cancel() }
            try await server.run(signals: [], grace: grace) { listening(listener.localAddress) }
            // The members' leaves go to the other servers before the link closes.
            await room.federation?.stop(within: limits.flushTimeout)
        }
    }

    /// What serves one connection to `room`.
    static func session(in room: ChatRoom, limits: Limits) -> Server.Handler {
        { connection in
            var session = ChatSession(connection: connection, room: room, limits: limits)
            await session.run()
        }
    }
}
