import Greenlet

/// A connection to a Redis server, for the green threads of one hub: every command is an
/// ordinary green wait on the hub's own socket (hiredis formats the commands and parses
/// the replies; its sockets are not used), so a slow server blocks only the callers.
///
/// Green threads of the client's hub may share it (sendable for that; its state is the
/// hub's, like a `Connection`'s): each command, pipeline or subscription read holds
/// the connection for its round trip, in arrival order. A network or protocol failure
/// closes the client (the connection's state is then unknown): later calls throw
/// `RedisError.closed`, and the owner connects again.
///
/// Errors: `RedisError` for everything Redis or the network says (refused, timed out,
/// lost, authentication, wrong type, protocol); `CancellationError` when the calling
/// green thread is killed; `TimeoutError` past an enclosing `withTimeout`.
public final class RedisClient: @unchecked Sendable {
    public let url: RedisURL
    /// How long a reply may take, unless a call says otherwise.
    public let commandTimeout: Double
    private let connection: Connection
    private let reader = RedisReplyReader()
    private let turn = Lock()
    private var buffer = [UInt8](repeating: 0, count: 16 << 10)
    private var closeReason: RedisError?
    /// Channels this connection is subscribed to; no other command may be sent then.
    private var subscriptions = 0

    private init(url: RedisURL, connection: Connection, commandTimeout: Double) {
        self.url = url
        self.connection = connection
        self.commandTimeout = commandTimeout
    }

    deinit {
        connection.close()
    }

    /// Connects, authenticates (AUTH, when the URL has a password) and selects the URL's
    /// database (a numeric path).
    /// - Parameters:
    ///   - timeout: for the connect and for each of those replies.
    ///   - commandTimeout: the default wait for a reply later.
    public static func connect(_ url: RedisURL, timeout: Double = 5, commandTimeout: Double = 10) async throws -> RedisClient {
        let connection: Connection
        do {
            connection = try await Connection.connect(host: url.host, port: url.port, timeout: timeout)
        } catch let error as NetworkError {
            throw RedisError(error, address: url.address)
        }
        let client = RedisClient(url: url, connection: connection, commandTimeout: commandTimeout)
        if let password = url.password {
            _ = try await client.command(url.user.map { ["AUTH", $0, password] } ?? ["AUTH", password], timeout: timeout)
        }
        if let database = url.database, database != 0 {
            _ = try await client.command(["SELECT", String(database)], timeout: timeout)
        }
        return client
    }

    public var isClosed: Bool { closeReason != nil }

    /// Writes sent so far that waited for replies: a command or a whole pipeline counts one.
    public private(set) var roundTrips = 0

    /// Sends one command and returns its reply.
    /// - Throws: an error reply as `RedisError` (`.wrongType`, `.authentication`,
    ///   `.server`), and every failure listed for the type.
    public func command(_ arguments: [String], timeout: Double? = nil) async throws -> RedisValue {
        try await command(bytes: arguments.map { Array($0.utf8) }, timeout: timeout)
    }

    public func command(_ arguments: String..., timeout: Double? = nil) async throws -> RedisValue {
        try await command(arguments, timeout: timeout)
    }

    /// `command` with binary arguments.
    public func command(bytes arguments: [[UInt8]], timeout: Double? = nil) async throws -> RedisValue {
        try await pipeline(bytes: [arguments], timeout: timeout)[0].get()
    }

    /// Sends every command in one write, then reads their replies: one round trip. An
    /// error reply fails only its own command.
    public func pipeline(_ commands: [[String]], timeout: Double? = nil) async throws -> [Result<RedisValue, RedisError>] {
        try await pipeline(bytes: commands.map { $0.map { Array($0.utf8) } }, timeout: timeout)
    }

    public func pipeline(bytes commands: [[[UInt8]]], timeout: Double? = nil) async throws -> [Result<RedisValue, RedisError>] {
        guard !commands.isEmpty else { return [] }
        return try await turn.withLock {
            try checkOpen()
            guard subscriptions == 0 else {
                throw RedisError.protocolViolation("a subscribed connection takes no other commands")
            }
            var wire: [UInt8] = []
            for command in commands { RedisCommand.append(command, to: &wire) }
            try await guarded { try await connection.sendAll(wire) }
            roundTrips += 1
            var replies: [Result<RedisValue, RedisError>] = []
            replies.reserveCapacity(commands.count)
            for _ in commands { replies.append(try await reply(timeout: timeout ?? commandTimeout)) }
            return replies
        }
    }

    // MARK: - Publish/subscribe

    /// Subscribes the connection to `channels`; from then on it only receives messages
    /// (`nextMessage`), as Redis requires. A client for commands is another connection.
    public func subscribe(_ channels: [String], timeout: Double? = nil) async throws {
        precondition(!channels.isEmpty, "subscribe needs a channel")
        try await turn.withLock {
            try checkOpen()
            try await guarded { try await connection.sendAll(RedisCommand.encode(["SUBSCRIBE"] + channels)) }
            for _ in channels {
                let confirmation = try await reply(timeout: timeout ?? commandTimeout).get()
                guard let parts = confirmation.array, parts.count == 3, parts[0].string == "subscribe",
                      let count = parts[2].int
                else { throw close(.protocolViolation("unexpected reply to SUBSCRIBE")) }
                subscriptions = count
            }
        }
    }

    /// The next message published to a subscribed channel; nil when none came within
    /// `timeout` seconds (the connection stays usable).
    public func nextMessage(timeout: Double? = nil) async throws -> RedisMessage? {
        try await turn.withLock {
            try checkOpen()
            precondition(subscriptions > 0, "nextMessage needs a subscription")
            while true {
                guard let value = try await reply(timeout: timeout, quietTimeout: true) else { return nil }
                guard let parts = try value.get().array, parts.count == 3, let kind = parts[0].string else {
                    throw close(.protocolViolation("unexpected message on a subscribed connection"))
                }
                if kind == "message", let channel = parts[1].string, case .bulk(let payload) = parts[2] {
                    return RedisMessage(channel: channel, payload: payload)
                }
                // Subscribe and unsubscribe confirmations are not messages.
            }
        }
    }

    // MARK: - Closing

    public func close() {
        _ = close(.closed)
    }

    /// Closes the client for good, remembering why; returns the error to throw.
    private func close(_ reason: RedisError) -> RedisError {
        if closeReason == nil {
            closeReason = reason
            connection.close()
        }
        return reason
    }

    private func checkOpen() throws(RedisError) {
        if closeReason != nil { throw RedisError.closed }
    }

    /// The next reply, reading as much as it needs. Any failure but an error reply closes
    /// the client. With `quietTimeout`, the call's own timeout returns nil and keeps it
    /// open: a reply begun meanwhile stays in the reader, and the next call goes on with it.
    private func reply(timeout: Double?, quietTimeout: Bool) async throws -> Result<RedisValue, RedisError>? {
        while true {
            if let reply = try readerNext() { return reply }
            let count: Int
            do {
                count = try await connection.recv(into: &buffer, timeout: timeout)
            } catch let error as TimeoutError where timeout != nil && error.seconds == timeout! {
                if quietTimeout { return nil }
                throw close(.timedOut(address: url.address))
            } catch let error as NetworkError {
                throw close(RedisError(error, address: url.address))
            } catch {
                _ = close(.closed)  // killed, or past an enclosing deadline: the stream is unknown
                throw error
            }
            guard count > 0 else { throw close(.connection(address: url.address, reason: "connection closed by the server")) }
            do {
                try reader.feed(buffer, count: count)
            } catch {
                throw close(error)
            }
        }
    }

    private func reply(timeout: Double) async throws -> Result<RedisValue, RedisError> {
        try await reply(timeout: timeout, quietTimeout: false)!
    }

    private func readerNext() throws -> Result<RedisValue, RedisError>? {
        do { return try reader.next() } catch { throw close(error) }
    }

    /// Runs a send; a failure closes the client.
    private func guarded(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as NetworkError {
            throw close(RedisError(error, address: url.address))
        } catch {
            _ = close(.closed)
            throw error
        }
    }
}

/// A message published to a channel the client subscribed to.
public struct RedisMessage: Equatable, Sendable {
    public let channel: String
    public let payload: [UInt8]

    public init(channel: String, payload: [UInt8]) {
        self.channel = channel
        self.payload = payload
    }

    public var text: String { String(decoding: payload, as: UTF8.self) }
}
