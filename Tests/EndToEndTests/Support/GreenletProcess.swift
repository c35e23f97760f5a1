import Foundation
import Glibc
import Testing

/// How a `greenlet` process ended.
enum Termination: Equatable, CustomStringConvertible {
    case exit(Int32)
    case signal(Int32)

    var description: String {
        switch self {
        case .exit(let status): "exit status \(status)"
        case .signal(let signal): "killed by signal \(signal)"
        }
    }
}

/// A finished `greenlet` run: how it ended and everything it printed.
struct ExitResult: CustomStringConvertible {
    var termination: Termination
    var stdout: String
    var stderr: String

    /// The non-empty lines of stderr.
    var stderrLines: [Substring] { stderr.split(separator: "\n") }

    var description: String { "\(termination), stdout: \(stdout.debugDescription), stderr: \(stderr.debugDescription)" }
}

/// Something went wrong driving the child process (not a test expectation).
struct GreenletProcessError: Error, CustomStringConvertible {
    var description: String
}

/// The built `greenlet` binary, run as a child process with its stdout and stderr captured.
///
/// Every instance kills its child (SIGKILL) in `kill()` and in `deinit`, so no test leaves
/// an orphan behind; call `kill()` in a `defer` to keep the process alive for the whole test.
final class GreenletProcess: @unchecked Sendable {
    private let process = Process()
    private let stdoutCollector = OutputCollector()
    private let stderrCollector = OutputCollector()
    /// Set by Foundation once it reaped the child.
    private let exited = Flag()

    /// The child's process id. With a shell set-up (`exec "$0" "$@"`), the shell execs into
    /// `greenlet`, so this is the server's own pid.
    let pid: Int32

    /// How much slower than a debug build the binary under test runs: `$GREENLET_TIME_SCALE`
    /// (Scripts/sanitize.sh sets it for sanitized binaries), else 1. A test whose outcome
    /// depends on a deadline the binary enforces (`crawl --timeout`) stretches it by this.
    static let timeScale: Double = ProcessInfo.processInfo.environment["GREENLET_TIME_SCALE"].flatMap(Double.init) ?? 1

    /// The binary under test: `$GREENLET_BIN`, or `.build/debug/greenlet` under the current
    /// directory (`swift test` runs in the package root).
    static func binaryPath() throws -> String {
        let path: String
        if let fromEnvironment = ProcessInfo.processInfo.environment["GREENLET_BIN"], !fromEnvironment.isEmpty {
            path = fromEnvironment
        } else {
            path = FileManager.default.currentDirectoryPath + "/.build/debug/greenlet"
        }
        try #require(
            FileManager.default.isExecutableFile(atPath: path),
            "no greenlet binary at \(path): run `swift build` first, or set GREENLET_BIN"
        )
        return path
    }

    /// Starts `greenlet ARGUMENTS…`.
    /// - Parameters:
    ///   - openFileLimit: when set, the child runs with this hard and soft limit on open files.
    ///   - shellSetup: extra `sh` commands run before the binary starts (through `exec`).
    ///   - environment: variables set for the child, over this process's own; the proxy
    ///     variables are never passed on, so that a machine's proxy does not reach a test
    ///     that does not ask for one.
    init(_ arguments: [String], openFileLimit: Int? = nil, shellSetup: String? = nil, environment: [String: String] = [:]) throws {
        let binary = try Self.binaryPath()
        var setup: [String] = []
        if let openFileLimit { setup.append("ulimit -n \(openFileLimit)") }  // dash: sets hard and soft
        if let shellSetup { setup.append(shellSetup) }
        if setup.isEmpty {
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = arguments
        } else {
            // `set -e`: a failing set-up line stops here instead of running an unconfigured server.
            let script = "set -e; " + setup.joined(separator: "; ") + "; exec \"$0\" \"$@\""
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", script, binary] + arguments
        }
        let proxyVariables: Set = ["http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY"]
        process.environment = ProcessInfo.processInfo.environment.filter { !proxyVariables.contains($0.key) }
            .merging(environment) { $1 }
        process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
        process.standardOutput = stdoutCollector.pipe
        process.standardError = stderrCollector.pipe
        process.terminationHandler = { [exited] _ in exited.value = true }
        try Self.launchWithCleanSignalMask(process)
        pid = process.processIdentifier
        stdoutCollector.start()
        stderrCollector.start()
    }

    deinit { kill() }

    /// Starts `process` from a fresh thread with no signals blocked. A spawned child inherits
    /// its spawning thread's signal mask, and the threads Swift Testing runs tests on (Dispatch
    /// workers) block SIGINT, SIGTERM and more; a shell or a supervisor would start the server
    /// with nothing blocked, so the tests do too.
    private static func launchWithCleanSignalMask(_ process: Process) throws {
        final class Launch: @unchecked Sendable {
            let process: Process
            var error: (any Error)?
            let done = DispatchSemaphore(value: 0)
            init(_ process: Process) { self.process = process }
        }
        let launch = Launch(process)
        let thread = Thread {
            var nothing = sigset_t()
            sigemptyset(&nothing)
            pthread_sigmask(SIG_SETMASK, &nothing, nil)
            do { try launch.process.run() } catch { launch.error = error }
            launch.done.signal()
        }
        thread.start()
        guard launch.done.wait(timeout: .now() + 10) == .success else {
            throw GreenletProcessError(description: "could not start greenlet within 10 s")
        }
        if let error = launch.error { throw error }
    }

    /// Runs `greenlet ARGUMENTS…` to completion (bounded) and returns how it ended.
    static func run(_ arguments: [String], within seconds: Double = 10, environment: [String: String] = [:]) throws -> ExitResult {
        let child = try GreenletProcess(arguments, environment: environment)
        defer { child.kill() }
        return try child.waitForExit(within: seconds)
    }

    var isRunning: Bool { process.isRunning }

    /// Waits (at most `seconds`) for the first stdout line, which must be exactly
    /// `listening on HOST:PORT`, and returns HOST and PORT.
    func waitForListening(within seconds: Double = 10) throws -> (host: String, port: UInt16) {
        // Woken by the reader thread the moment the line arrives, like a script's `read`.
        guard let line = stdoutCollector.waitForFirstLine(until: Date(timeIntervalSinceNow: seconds)) else {
            if stdoutCollector.isFinished {
                throw GreenletProcessError(
                    description: "greenlet exited before listening; stderr: \(stderrCollector.text.debugDescription)")
            }
            throw GreenletProcessError(
                description: "no `listening on` line within \(seconds) s; stdout so far: \(stdoutCollector.text.debugDescription)")
        }
        return try Self.parseListening(line)
    }

    /// Starts `greenlet SUBCOMMAND --host HOST --port PORT ARGUMENTS…` and waits for its
    /// `listening on` line, which must name HOST (`127.0.0.1`, or `::1` as `[::1]`);
    /// returns the port it gives.
    static func listening(
        _ subcommand: String, _ arguments: [String] = [], host: String = "127.0.0.1", port: UInt16 = 0, openFileLimit: Int? = nil
    ) throws -> (server: GreenletProcess, port: UInt16) {
        let server = try GreenletProcess(
            [subcommand, "--host", host, "--port", String(port)] + arguments, openFileLimit: openFileLimit)
        let (listeningHost, listeningPort) = try server.waitForListening(within: 10)
        let expected = host.contains(":") ? "[\(host)]" : host
        guard listeningHost == expected else {
            throw GreenletProcessError(description: "listening on \(listeningHost):\(listeningPort), not on \(expected)")
        }
        return (server, listeningPort)
    }

    private static func parseListening(_ line: String) throws -> (host: String, port: UInt16) {
        let prefix = "listening on "
        guard line.hasPrefix(prefix), let colon = line.lastIndex(of: ":") else {
            throw GreenletProcessError(description: "first stdout line is not `listening on HOST:PORT`: \(line.debugDescription)")
        }
        let host = String(line[line.index(line.startIndex, offsetBy: prefix.count)..<colon])
        guard let port = UInt16(line[line.index(after: colon)...]), port != 0, !host.isEmpty else {
            throw GreenletProcessError(description: "bad HOST:PORT in first stdout line: \(line.debugDescription)")
        }
        return (host, port)
    }

    /// Waits (at most `seconds`) until stderr holds `text`, and returns all of stderr; nil
    /// when it did not come in time.
    func waitForStderr(containing text: String, within seconds: Double) -> String? {
        stderrCollector.waitUntil(until: Date(timeIntervalSinceNow: seconds)) { $0.contains(text) }
    }

    /// Waits (at most `seconds`) until stdout holds `count` lines, and returns all of it;
    /// nil when they did not come in time.
    func waitForStdout(lines count: Int, within seconds: Double) -> String? {
        stdoutCollector.waitUntil(until: Date(timeIntervalSinceNow: seconds)) { text in
            text.utf8.lazy.filter { $0 == 0x0A }.count >= count
        }
    }

    /// Sends `signal` to the child, unless it has been reaped (its pid could be reused).
    /// Cheap on purpose: `Process.isRunning` is slow enough to hide start-up races.
    func send(signal: Int32) {
        if !exited.value { _ = Glibc.kill(pid, signal) }
    }

    /// Waits (at most `seconds`) for the child to exit, then collects its output.
    func waitForExit(within seconds: Double) throws -> ExitResult {
        let deadline = Date(timeIntervalSinceNow: seconds)
        while process.isRunning {
            guard Date() < deadline else {
                throw GreenletProcessError(
                    description: "greenlet still running after \(seconds) s; stderr: \(stderrCollector.text.debugDescription)")
            }
            usleep(5_000)
        }
        // The pipes reach EOF once the child is gone; bounded in case something inherited them.
        stdoutCollector.waitUntilFinished(within: 2)
        stderrCollector.waitUntilFinished(within: 2)
        let termination: Termination = process.terminationReason == .uncaughtSignal
            ? .signal(process.terminationStatus) : .exit(process.terminationStatus)
        return ExitResult(termination: termination, stdout: stdoutCollector.text, stderr: stderrCollector.text)
    }

    /// Kills the child with SIGKILL if it still runs and reaps it (bounded). Idempotent.
    func kill() {
        guard process.isRunning else { return }
        _ = Glibc.kill(pid, SIGKILL)
        let deadline = Date(timeIntervalSinceNow: 5)
        while process.isRunning && Date() < deadline { usleep(5_000) }
    }

    // MARK: - /proc

    /// CPU time the child has used (utime + stime from /proc/PID/stat), in seconds.
    func cpuSeconds() throws -> Double {
        let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        // The command name (field 2) is in parentheses and may hold spaces: split after it.
        guard let close = stat.lastIndex(of: ")") else {
            throw GreenletProcessError(description: "unreadable /proc/\(pid)/stat")
        }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
        guard fields.count > 13, let utime = Double(fields[11]), let stime = Double(fields[12]) else {
            throw GreenletProcessError(description: "unreadable /proc/\(pid)/stat: \(stat)")
        }
        return (utime + stime) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// How many file descriptors the child has open.
    func openFileCount() throws -> Int {
        try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count
    }

    /// The child's resident set size (`VmRSS` in /proc/PID/status), in bytes.
    func residentBytes() throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        // `VmRSS:\t   12345 kB`
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kilobytes = line.dropFirst("VmRSS:".count).split(whereSeparator: { $0 == " " || $0 == "\t" }).first.flatMap({ Int($0) })
        else {
            throw GreenletProcessError(description: "no VmRSS line in /proc/\(pid)/status")
        }
        return kilobytes * 1024
    }

    /// The child's soft and hard limits on open files.
    func openFileLimits() throws -> (soft: String, hard: String) {
        let limits = try String(contentsOfFile: "/proc/\(pid)/limits", encoding: .utf8)
        guard let line = limits.split(separator: "\n").first(where: { $0.hasPrefix("Max open files") }) else {
            throw GreenletProcessError(description: "no open-files line in /proc/\(pid)/limits")
        }
        let values = line.dropFirst("Max open files".count).split(separator: " ")
        return (String(values[0]), String(values[1]))
    }
}

/// A Bool behind a lock.
private final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var stored = false
    var value: Bool {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}

/// Drains one of the child's output pipes on a background thread, so the child never
/// blocks on a full pipe and the test can look at what it printed at any time.
private final class OutputCollector: @unchecked Sendable {
    let pipe = Pipe()
    private let condition = NSCondition()  // guards `bytes` and `finished`
    private var bytes: [UInt8] = []
    private var finished = false

    func start() {
        let fd = pipe.fileHandleForReading.fileDescriptor
        let thread = Thread { [self] in
            var chunk = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { break }
                condition.withLock {
                    bytes += chunk[..<count]
                    condition.broadcast()
                }
            }
            condition.withLock {
                finished = true
                condition.broadcast()
            }
        }
        thread.start()
    }

    var text: String { condition.withLock { String(decoding: bytes, as: UTF8.self) } }
    var isFinished: Bool { condition.withLock { finished } }

    /// The first line, without its newline, as soon as it is complete; nil when the pipe
    /// closed without one or `deadline` passed.
    func waitForFirstLine(until deadline: Date) -> String? {
        condition.withLock {
            while true {
                if let newline = bytes.firstIndex(of: UInt8(ascii: "\n")) {
                    return String(decoding: bytes[..<newline], as: UTF8.self)
                }
                if finished || !condition.wait(until: deadline) { return nil }
            }
        }
    }

    /// The text so far, once `condition` holds for it; nil when the pipe closed or
    /// `deadline` passed first.
    func waitUntil(until deadline: Date, _ condition: (String) -> Bool) -> String? {
        self.condition.withLock {
            while true {
                let text = String(decoding: bytes, as: UTF8.self)
                if condition(text) { return text }
                if finished || !self.condition.wait(until: deadline) { return nil }
            }
        }
    }

    func waitUntilFinished(within seconds: Double) {
        let deadline = Date(timeIntervalSinceNow: seconds)
        condition.withLock {
            while !finished && condition.wait(until: deadline) {}
        }
    }
}
