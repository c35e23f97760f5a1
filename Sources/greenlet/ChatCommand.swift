import ArgumentParser
import GreenletRedis
import GreenletTools

struct ChatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "A line-based chat room for nc and telnet clients.",
        discussion: """
            Clients name themselves, then every line they send reaches everyone as NAME> TEXT; /who lists who is online, /quit leaves. \
            With --redis, every server given the same URL serves one room.
            """
    )

    @OptionGroup var server: ServerOptions

    @Option(help: "Port to listen on; 0 picks a free one.")
    var port = 5000

    @Option(help: "Seconds a new connection may stay silent at the name prompt.")
    var nameTimeout = 60.0

    @Option(help: ArgumentHelp(
        "A room in Redis, redis://[USER:PASSWORD@]HOST[:PORT]/ROOM, that every chat server given it serves together: lines, notices, /who and unique names across servers.",
        valueName: "url"))
    var redis: String?

    func validate() throws {
        try validatePort(port)
        guard nameTimeout > 0, nameTimeout.isFinite else { throw ValidationError("--name-timeout must be a number of seconds > 0") }
        _ = try federation()
    }

    /// The room `--redis` names, if given.
    private func federation() throws -> ChatServer.Federation? {
        guard let redis else { return nil }
        do {
            return try ChatServer.Federation(url: RedisURL(parsing: redis))
        } catch {
            throw ValidationError("--redis: \(error)")
        }
    }

    func run() throws {
        try runTool {
            var limits = ChatServer.Limits()
            limits.nameTimeout = nameTimeout
            try ChatServer.run(
                host: server.host, port: port, grace: server.grace, limits: limits, federation: try federation(),
                warn: { printLine("greenlet: warning: \($0)", to: 2) }
            ) { address in
                printLine("listening on \(address)")
            }
        }
    }
}
