import Greenlet
import GreenletRedis
@testable import GreenletTools

/// A chat server on the test's hub, its room spanning servers through a real Redis: the
/// wiring of `ChatServer.run`, without signals, so that a test can run several at once.
final class ChatNode: @unchecked Sendable {
    let room: ChatRoom
    let federation: ChatFederation
    let server: Server
    let warnings: WarningLog
    private var serving: GreenThread<Void>?

    var port: Int { server.listener.localAddress.port }

    /// Starts a server in `room` on the Redis at `url`, with liveness 1 s and heartbeats
    /// every 0.2 s unless `configure` says otherwise.
    static func start(redis url: String, room name: String = "test", configure: (inout ChatServer.Federation) -> Void = { _ in }) async throws -> ChatNode {
        var settings = try ChatServer.Federation(url: RedisURL(parsing: url + "/" + name))
        settings.liveness = 1
        settings.heartbeat = 0.2
        configure(&settings)
        let node = ChatNode(settings: settings, listener: try Listener(host: "127.0.0.1", port: 0))
        try await node.federation.start()
        node.room.federation = node.federation
        let server = node.server
        node.serving = spawn("chat node") { try await server.run(signals: []) }
        return node
    }

    private init(settings: ChatServer.Federation, listener: Listener) {
        let warnings = WarningLog()
        room = ChatRoom()
        federation = ChatFederation(room: room, settings: settings) { warnings.lines.append($0) }
        server = Server(listener: listener, handler: ChatServer.session(in: room, limits: ChatServer.Limits()))
        self.warnings = warnings
    }

    /// Shuts down as on SIGTERM: the users leave, and the others hear of it.
    func stop() async {
        room.shutDown()
        server.shutdown(grace: 0.5)
        _ = try? await serving?.value
        await federation.stop(within: 1)
    }
}

/// What a server said about Redis, in order.
final class WarningLog: @unchecked Sendable {
    var lines: [String] = []
}

/// A line client of a chat server on the test's hub, like `nc`; every wait bounded.
final class HubChatClient: @unchecked Sendable {
    let connection: Connection

    init(port: Int) async throws {
        connection = try await Connection.connect(host: "127.0.0.1", port: port, timeout: 5)
    }

    /// Connects, answers the prompt with `name` and returns the client and the line after.
    static func answering(_ name: String, port: Int) async throws -> (client: HubChatClient, answer: String) {
        let client = try await HubChatClient(port: port)
        let prompt = try await client.readLine()
        guard prompt == String(decoding: ChatSession.prompt.dropLast(), as: UTF8.self) else { throw HubChatClientError.unexpected(prompt) }
        try await client.send(name)
        return (client, try await client.readLine())
    }

    /// Joins as `name`; the welcome must list `online`.
    static func joined(_ name: String, port: Int, online: [String]) async throws -> HubChatClient {
        let (client, welcome) = try await answering(name, port: port)
        guard welcome == "## welcome, \(name). online: \(online.joined(separator: ", "))" else { throw HubChatClientError.unexpected(welcome) }
        return client
    }

    func send(_ text: String) async throws {
        try await connection.sendAll(Array((text + "\n").utf8))
    }

    func readLine(within seconds: Double = 5) async throws -> String {
        guard let line = try await withTimeout(seconds: seconds, { try await connection.readLine() }) else { throw HubChatClientError.endOfStream }
        return String(decoding: line, as: UTF8.self)
    }

    func readLines(_ count: Int, within seconds: Double = 5) async throws -> [String] {
        try await withTimeout(seconds: seconds) {
            var lines: [String] = []
            for _ in 0..<count { lines.append(try await readLine(within: seconds)) }
            return lines
        }
    }

    /// True when no line comes within `seconds`.
    func staysQuiet(for seconds: Double) async -> Bool {
        do {
            _ = try await readLine(within: seconds)
            return false
        } catch {
            return error is TimeoutError
        }
    }

    func close() {
        connection.close()
    }
}

enum HubChatClientError: Error {
    case unexpected(String)
    case endOfStream
}
