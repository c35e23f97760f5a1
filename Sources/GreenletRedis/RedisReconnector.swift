import Greenlet

/// A Redis connection that comes back by itself, for a tool that must outlive a server
/// restart: a call that finds the server unreachable, gone or still loading closes the
/// client, waits (0.1 s, doubling up to `maxDelay`), connects again and runs once more,
/// until it succeeds. The first failure of an outage and the recovery are each reported
/// once through `warn`, so a long outage is two lines, not one per attempt.
///
/// The body may run more than once, so it must be safe to repeat (every write of the
/// tools is: scripts that check before they add, acknowledgements). A read that changes
/// the server's state and whose reply may be lost with the connection (XREADGROUP hands
/// entries out) is not: its caller looks at `losses` and reads back what it was given. Errors that are not
/// transient (`RedisError.isTransient`), kills and timeouts go to the caller. Lives on
/// one hub, like the clients it makes.
public final class RedisReconnector: @unchecked Sendable {
    public let url: RedisURL
    public let maxDelay: Double
    private var client: RedisClient?
    private let warn: (String) -> Void
    /// Round trips of the clients closed so far (the live one counts its own).
    private var closedRoundTrips = 0
    /// Connections lost so far. A command whose reply was lost may still have run: a
    /// caller that must know what it did compares this before and after.
    public private(set) var losses = 0

    /// - Parameter client: a client already connected to `url`, used first.
    public init(url: RedisURL, client: RedisClient? = nil, maxDelay: Double = 2, warn: @escaping (String) -> Void) {
        self.url = url
        self.client = client
        self.maxDelay = maxDelay
        self.warn = warn
    }

    /// Round trips made through every client this reconnector has had.
    public var roundTrips: Int { closedRoundTrips + (client?.roundTrips ?? 0) }

    /// Runs `body` with a connected client, reconnecting as often as it takes.
    public func run<T>(_ body: (RedisClient) async throws -> T) async throws -> T {
        var delay = 0.1
        var outage = false
        while true {
            do {
                let client = try await connected()
                let value = try await body(client)
                if outage { warn("redis \(url.address): connected again") }
                return value
            } catch let error as RedisError where error.isTransient {
                drop()
                losses += 1
                if !outage { warn("\(error); reconnecting") }
                outage = true
                try await sleep(seconds: delay)
                delay = min(delay * 2, maxDelay)
            }
        }
    }

    public func close() {
        drop()
    }

    private func connected() async throws -> RedisClient {
        if let client, !client.isClosed { return client }
        drop()
        let fresh = try await RedisClient.connect(url)
        client = fresh
        return fresh
    }

    private func drop() {
        guard let client else { return }
        closedRoundTrips += client.roundTrips
        client.close()
        self.client = nil
    }
}
