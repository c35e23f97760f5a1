import ArgumentParser
import GreenletTools

struct ChatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "A line-based chat room for nc and telnet clients.",
        discussion: "Clients name themselves, then every line they send reaches everyone as NAME> TEXT; /who lists who is online, /quit leaves."
    )

    @OptionGroup var server: ServerOptions

    @Option(help: "Port to listen on; 0 picks a free one.")
    var port = 5000

    @Option(help: "Seconds a new connection may stay silent at the name prompt.")
    var nameTimeout = 60.0

    func validate() throws {
        try validatePort(port)
        guard nameTimeout > 0, nameTimeout.isFinite else { throw ValidationError("--name-timeout must be a number of seconds > 0") }
    }

    func run() throws {
        try runTool {
            var limits = ChatServer.Limits()
            limits.nameTimeout = nameTimeout
            try ChatServer.run(host: server.host, port: port, grace: server.grace, limits: limits) { address in
                printLine("listening on \(address)")
            }
        }
    }
}
