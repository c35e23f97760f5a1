import ArgumentParser
import Glibc
import Greenlet

@main
struct GreenletCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "greenlet",
        abstract: "Green-thread network utilities on libevent.",
        version: "greenlet 0.1.0",
        subcommands: [EchoCommand.self, ServeHTTPCommand.self, CrawlCommand.self, ChatCommand.self, BenchCommand.self]
    )
}

/// Runs a subcommand's work; a failure to start becomes one `greenlet: error:` line and exit 2.
func runTool(_ work: () throws -> Void) throws {
    ProcessSetup.ignoreSIGPIPE()
    ProcessSetup.unblockShutdownSignals()
    ProcessSetup.raiseOpenFileLimit()
    do {
        try work()
    } catch let error as ExitCode {
        throw error
    } catch {
        printLine("greenlet: error: \(error)", to: 2)
        throw ExitCode(2)
    }
}

/// Writes one line to stdout (1) or stderr (2) at once, unbuffered.
func printLine(_ line: String, to fd: Int32 = 1) {
    var text = line + "\n"
    text.withUTF8 { bytes in _ = write(fd, bytes.baseAddress, bytes.count) }
}
