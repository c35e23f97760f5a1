import ArgumentParser

/// Options every server subcommand shares.
struct ServerOptions: ParsableArguments {
    @Option(help: "Address to listen on (numeric IPv4 or IPv6, or localhost).")
    var host = "0.0.0.0"

    @Option(help: "Seconds busy connections get to finish after SIGINT/SIGTERM.")
    var grace = 3.0

    @Option(help: "Hubs (OS threads) sharing the port. Only 1 is supported so far.")
    var threads = 1

    func validate() throws {
        guard threads == 1 else {
            throw ValidationError("--threads \(threads): several hubs are not supported yet; use --threads 1")
        }
        guard grace >= 0, grace.isFinite else { throw ValidationError("--grace must be a number of seconds >= 0") }
    }
}

func validatePort(_ port: Int) throws {
    guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
}
