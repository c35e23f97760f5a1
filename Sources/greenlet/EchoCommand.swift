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

    func validate() throws {
        try validatePort(port)
    }

    func run() throws {
        try runTool {
            try EchoServer.run(host: server.host, port: port, threads: hubs.threads, grace: server.grace) { address in
                printLine("listening on \(address)")
            }
        }
    }
}
