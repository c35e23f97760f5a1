import ArgumentParser
import GreenletTools

struct EchoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "echo",
        abstract: "Echo every byte each client sends back to it."
    )

    @OptionGroup var server: ServerOptions
    @OptionGroup var hubs: ThreadsOption

    @Option(help: "Port to listen on; 0 picks a free one.")
    var port = 4915

    @Option(help: .hidden)
    var model: EchoModel = .green

    @Flag(help: .hidden)
    var connectionOnStdin = false

    func validate() throws {
        try validatePort(port)
    }

    func run() throws {
        if connectionOnStdin { return BlockingEchoServer.echo(0) }
        try runTool {
            if let blocking = BlockingEchoServer.Model(rawValue: model.rawValue) {
                return try BlockingEchoServer.run(model: blocking, host: server.host, port: port, executable: executablePath()) { address in
                    printLine("listening on \(address)")
                }
            }
            try EchoServer.run(host: server.host, port: port, threads: hubs.threads, grace: server.grace) { address in
                printLine("listening on \(address)")
            }
        }
    }
}

/// Which server `echo` runs: the green one, or (for `bench echo`) a blocking model.
enum EchoModel: String, ExpressibleByArgument {
    case green
    case threads
    case processes
}
