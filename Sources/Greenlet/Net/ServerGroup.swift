import Glibc
import GreenletLocks

/// One server on several hubs, for many cores: each hub runs on an OS thread of its own
/// with its own SO_REUSEPORT listener on the same port, and the kernel spreads incoming
/// connections across them.
///
/// The calling thread runs the first hub. It binds first, so that with port 0 the others
/// bind the port the kernel picked. It alone watches signals: libevent lets one base own
/// signal events, so the other hub threads start with them blocked. A shutdown reaches
/// every hub through `Hub.execute`, the one call other threads may make on a hub.
public final class ServerGroup: Sendable {
    /// The most hubs a group runs: a guard against a slip of the keyboard, not a tuning
    /// hint (more hubs than cores only adds switching).
    public static let maxThreads = 1024

    private let host: String
    private let port: Int
    private let threads: Int
    private let grace: Double
    private let signals: [Int32]
    private let handler: Server.Handler
    private let state: Locked<State>

    private struct State {
        var hasRun = false
        var stopping = false
        /// The servers `shutdown` reaches, each with its hub.
        var servers: [ObjectIdentifier: (hub: Hub, server: Server)] = [:]
        /// Hubs not listening yet.
        var starting: Int
        /// Threads of the other hubs that have not ended.
        var extraThreads = 0
        /// The first failure of any hub; it fails the group.
        var error: (any Error)?
    }

    /// - Parameters:
    ///   - port: 0 lets the kernel pick a free port, which every hub then shares.
    ///   - threads: the number of hubs, 1 to `maxThreads`; with 1 the calling thread is
    ///     the only one, and the port is bound without SO_REUSEPORT.
    ///   - grace: how long busy connections get to finish once a shutdown starts.
    ///   - signals: signals that start a graceful shutdown (pass [] to handle none). A
    ///     second SIGINT exits the process at once.
    ///   - handler: serves one connection, on whichever hub accepted it.
    public init(
        host: String = "0.0.0.0",
        port: Int,
        threads: Int = 1,
        grace: Double = 3,
        signals: [Int32] = [SIGINT, SIGTERM],
        handler: @escaping Server.Handler
    ) {
        precondition((1...Self.maxThreads).contains(threads), "ServerGroup needs 1...\(Self.maxThreads) threads, not \(threads)")
        self.host = host
        self.port = port
        self.threads = threads
        self.grace = grace
        self.signals = signals
        self.handler = handler
        state = Locked(State(starting: threads))
    }

    /// Serves until a signal or `shutdown`, the calling thread running the first hub, and
    /// returns once every hub has drained and its thread has ended. Call it outside any hub.
    ///
    /// - Parameter listening: called once, on the first hub, when every hub listens, with
    ///   the address bound (the real port when port 0 was asked for): the moment to
    ///   announce the server, since a signal sent after it shuts down cleanly. Not called
    ///   when the group stops before it got there.
    /// - Throws: `ServerGroupError` when a hub cannot listen or its thread cannot start,
    ///   `NetworkError` when accepting fails for good on a hub. Either way the other hubs
    ///   are shut down and their threads ended before `run` throws.
    public func run(listening: @escaping @Sendable (SocketAddress) -> Void = { _ in }) throws {
        state.withLock { state in
            precondition(!state.hasRun, "ServerGroup.run called twice")
            state.hasRun = true
        }
        // Joined here, off the hub: a hub thread never blocks.
        let extraThreads = try Hub.run { [self] in await runFirstHub(listening: listening) }
        for thread in extraThreads { pthread_join(thread, nil) }
        if let error = state.withLock({ $0.error }) { throw error }
    }

    /// Starts a graceful shutdown on every hub: the listeners close, idle connections end,
    /// busy ones get the grace period. Callable from any thread, more than once, and
    /// before `run` (which then stops at once).
    public func shutdown() {
        let grace = grace
        let servers = state.withLock { state in
            state.stopping = true
            return Array(state.servers.values)
        }
        // Weak: a call that reaches a hub after its run has ended must not keep its
        // server, and with it the hub, alive from the hub's own inbox.
        for (hub, server) in servers {
            hub.execute { [weak server] in server?.shutdown(grace: grace) }
        }
    }

    // MARK: - The hubs

    /// The first hub's root green thread. It returns the other hubs' threads once they
    /// have ended, for `run` to join.
    private func runFirstHub(listening: @Sendable (SocketAddress) -> Void) async -> [pthread_t] {
        let hub = Hub.mustBeCurrent()
        // The other hubs change the state, then unpark this lot through this hub's inbox:
        // the unpark then runs on this thread, never between `wait`'s check and its park.
        let changed = ParkingLot("ServerGroup: hubs starting or ending")
        let poke: @Sendable () -> Void = { hub.execute { changed.unparkAll() } }
        let watcher = SignalWatcher.gracefulShutdown(on: signals) { [self] in shutdown() }
        defer { watcher.cancel() }
        var extraThreads: [pthread_t] = []
        do {
            let server = try listen(port: port)
            let address = server.listener.localAddress
            do {
                for _ in 1..<threads {
                    extraThreads.append(try startHubThread { [self] in runExtraHub(port: address.port, poke: poke) })
                }
                try await wait(on: changed) { $0.starting == 0 || $0.error != nil }
            } catch {
                fail(error)
            }
            if !state.withLock({ $0.stopping }) { listening(address) }
            try await serve(server)
        } catch {
            fail(error)
        }
        // The signal watcher stays until every hub has drained: a second SIGINT during
        // another hub's grace period still exits at once.
        try? await wait(on: changed) { $0.extraThreads == 0 }
        return extraThreads
    }

    /// The body of every other hub's thread: binds the first hub's port, serves, and
    /// tells the first hub when it listens and when it has ended.
    private func runExtraHub(port: Int, poke: @escaping @Sendable () -> Void) {
        do {
            try Hub.run { [self] in
                let server = try listen(port: port)
                poke()
                try await serve(server)
            }
        } catch {
            fail(error)
        }
        state.withLock { $0.extraThreads -= 1 }
        poke()
    }

    /// Binds `port` on the calling hub and registers a server for it, so that `shutdown`
    /// reaches it; a shutdown that came first stops it at once.
    private func listen(port: Int) throws -> Server {
        let hub = Hub.mustBeCurrent()
        let listener: Listener
        do {
            listener = try Listener(host: host, port: port, reusePort: threads > 1)
        } catch {
            throw ServerGroupError.cannotListen(host: host, port: port, reason: error)
        }
        let server = Server(listener: listener, handler: handler)
        let stopping = state.withLock { state in
            state.servers[ObjectIdentifier(server)] = (hub, server)
            state.starting -= 1
            return state.stopping
        }
        if stopping { server.shutdown(grace: grace) }
        return server
    }

    /// Serves until shutdown, then leaves the servers `shutdown` reaches.
    private func serve(_ server: Server) async throws {
        defer { state.withLock { _ = $0.servers.removeValue(forKey: ObjectIdentifier(server)) } }
        try await server.run(signals: [], grace: grace)
    }

    /// Records the first failure and stops every hub: one hub failing fails the group.
    private func fail(_ error: any Error) {
        state.withLock { state in
            if state.error == nil { state.error = error }
        }
        shutdown()
    }

    /// Parks on `lot` until `condition` holds.
    private func wait(on lot: ParkingLot, until condition: (State) -> Bool) async throws {
        while !state.withLock({ condition($0) }) {
            try await lot.park()
        }
    }

    /// Starts `body` on a new OS thread with the group's signals blocked. The thread
    /// inherits the mask from its creator, so it never runs a moment with them open.
    private func startHubThread(_ body: @escaping @Sendable () -> Void) throws -> pthread_t {
        state.withLock { $0.extraThreads += 1 }
        do {
            return try OSThread.start(blocking: signals, body)
        } catch {
            state.withLock { $0.extraThreads -= 1 }
            throw ServerGroupError.cannotStartThread(errno: error.errno)
        }
    }
}

/// Why a `ServerGroup` could not start, worded for a one-line error message.
public enum ServerGroupError: Error, CustomStringConvertible {
    /// A hub could not listen on `host:port`; `reason` is the listener's error.
    case cannotListen(host: String, port: Int, reason: any Error)
    /// The system refused a thread for a hub (`errno` is pthread_create's result).
    case cannotStartThread(errno: Int32)

    public var description: String {
        switch self {
        case .cannotListen(let host, let port, let reason):
            "cannot listen on \(host.contains(":") ? "[\(host)]" : host):\(port): \(reason)"
        case .cannotStartThread(let code):
            "cannot start a hub thread: \(String(cString: strerror(code)))"
        }
    }
}
