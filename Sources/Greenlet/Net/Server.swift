import Glibc

/// A TCP server: one green thread per accepted connection, and a graceful shutdown
/// (Bluelet's `server`, gevent's `StreamServer`).
public final class Server: @unchecked Sendable {
    /// The server's life: running until `shutdown`, draining while connections finish,
    /// stopped once they have.
    public enum State: Equatable, Sendable {
        case idle
        case running
        case draining
        case stopped
    }

    public typealias Handler = @Sendable (Connection) async throws -> Void

    public let listener: Listener
    public private(set) var state = State.idle
    private let handler: Handler
    private var connections: [ObjectIdentifier: (connection: Connection, thread: GreenThread<Void>)] = [:]
    private let connectionEnded = ParkingLot("Server.drain")
    private var drainDeadline: UInt64 = 0

    public init(listener: Listener, handler: @escaping Handler) {
        self.listener = listener
        self.handler = handler
    }

    /// The connections being served.
    public var connectionCount: Int { connections.count }

    /// Accepts connections and serves each in its own green thread until `shutdown`,
    /// then returns once the connections have ended (or the grace period is over).
    /// A handler's error ends its connection only.
    ///
    /// - Parameter signals: signals that start a graceful shutdown (SIGINT and SIGTERM by
    ///   default; pass [] to handle none). A second SIGINT exits the process at once.
    /// - Parameter grace: how long busy connections get to finish after a signal.
    /// - Parameter ready: called once signals are handled and connections are taken: the
    ///   moment to announce the server, since a signal sent after it shuts down cleanly.
    /// - Throws: `NetworkError` when accepting fails for good, `CancellationError` when
    ///   the serving green thread is killed (its connections are killed too).
    public func run(signals: [Int32] = [SIGINT, SIGTERM], grace: Double = 3, ready: () -> Void = {}) async throws {
        if state == .stopped { return }  // shut down before it ran
        precondition(state == .idle, "Server.run called twice")
        state = .running
        let watcher = SignalWatcher.gracefulShutdown(on: signals) { [self] in shutdown(grace: grace) }
        defer {
            watcher.cancel()
            state = .stopped
        }
        ready()
        do {
            try await acceptLoop()
            try await drain()
        } catch {
            for (connection, thread) in connections.values {
                thread.kill()
                connection.close()
            }
            throw error
        }
    }

    /// Stops accepting; idle connections end now, busy ones get `grace` seconds to finish
    /// and are then killed. Safe to call more than once; the first call counts.
    public func shutdown(grace: Double) {
        if state == .idle {
            state = .stopped
            listener.close()
            return
        }
        guard state == .running else { return }
        state = .draining
        drainDeadline = MonotonicClock.deadline(after: grace)
        listener.close()
        for (connection, _) in connections.values {
            connection.beginDraining()
        }
    }

    private func acceptLoop() async throws {
        while state == .running {
            let connection: Connection
            do {
                connection = try await listener.accept()
            } catch NetworkError.closed where state != .running {
                return
            }
            let key = ObjectIdentifier(connection)
            let handler = self.handler
            let thread = spawn("connection from \(connection.remoteAddress?.description ?? "?")") { [self] in
                defer {
                    connection.close()
                    connections[key] = nil
                    connectionEnded.unparkAll()
                }
                try? await handler(connection)
            }
            connections[key] = (connection, thread)
        }
    }

    /// Waits for the connections to end; past the grace period kills those left and
    /// waits for their cleanup.
    private func drain() async throws {
        do {
            let seconds = Double(drainDeadline &- min(drainDeadline, MonotonicClock.now())) / 1e9
            try await withTimeout(seconds: seconds) {
                while !connections.isEmpty { try await connectionEnded.park() }
            }
        } catch is TimeoutError {
            for (_, thread) in connections.values { thread.kill() }
            while !connections.isEmpty { try await connectionEnded.park() }
        }
    }
}

extension SignalWatcher {
    /// Watches `signals` for a server's graceful shutdown: the first one calls `shutdown`;
    /// a second SIGINT exits the process at once, for a user who will not wait.
    public static func gracefulShutdown(on signals: [Int32], _ shutdown: @escaping () -> Void) -> SignalWatcher {
        var signalled = false
        return SignalWatcher(signals) { signal in
            if signalled && signal == SIGINT { _exit(130) }
            signalled = true
            shutdown()
        }
    }
}

/// Serves `host:port` forever, one green thread per connection running `handler`
/// (Bluelet's `server`). SIGINT/SIGTERM end it gracefully.
/// - Throws: `NetworkError` when it cannot listen (`.addressInUse`, …).
public func serve(host: String = "0.0.0.0", port: Int, handler: @escaping Server.Handler) async throws {
    let server = Server(listener: try Listener(host: host, port: port), handler: handler)
    try await server.run()
}
