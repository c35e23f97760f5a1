import ArgumentParser
import Greenlet

/// Options every server subcommand shares.
struct ServerOptions: ParsableArguments {
    @Option(help: "Address to listen on (numeric IPv4 or IPv6, or localhost).")
    var host = "0.0.0.0"

    @Option(help: "Seconds busy connections get to finish after SIGINT/SIGTERM.")
    var grace = 3.0

    func validate() throws {
        guard grace >= 0, grace.isFinite else { throw ValidationError("--grace must be a number of seconds >= 0") }
    }
}

/// `--threads`, for the servers that can run on several hubs (not `chat`, whose room is
/// one hub's).
struct ThreadsOption: ParsableArguments {
    @Option(help: "Hubs (OS threads), each listening on the port through SO_REUSEPORT: 1 to \(ServerGroup.maxThreads).")
    var threads = 1

    func validate() throws {
        try validateThreads(threads)
    }
}

func validatePort(_ port: Int) throws {
    guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
}

func validateThreads(_ threads: Int) throws {
    guard (1...ServerGroup.maxThreads).contains(threads) else {
        throw ValidationError("--threads must be between 1 and \(ServerGroup.maxThreads)")
    }
}
