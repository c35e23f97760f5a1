import ArgumentParser
import GreenletTools

struct ServeHTTPCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve-http",
        abstract: "Serve the files under a directory over HTTP/1.1 (GET and HEAD)."
    )

    @OptionGroup var server: ServerOptions
    @OptionGroup var hubs: ThreadsOption

    @Option(help: "Port to listen on; 0 picks a free one.")
    var port = 8088

    @Option(help: "The directory to serve.")
    var root = "."

    @Option(help: "Seconds a client has to send a complete request head, and an idle keep-alive connection stays open.")
    var requestTimeout = 5.0

    @Flag(help: "No access log on stderr.")
    var quiet = false

    func validate() throws {
        try validatePort(port)
        guard requestTimeout > 0, requestTimeout.isFinite else {
            throw ValidationError("--request-timeout must be a number of seconds > 0")
        }
    }

    func run() throws {
        try runTool {
            let options = StaticFileServer.Options(
                root: root, requestTimeout: requestTimeout, accessLog: !quiet
            )
            try StaticFileServer.run(
                host: server.host, port: port, threads: hubs.threads, grace: server.grace, options: options
            ) { address in
                printLine("listening on \(address)")
            }
        }
    }
}
