import Foundation
import Glibc

/// A real `tinyproxy` (Debian's, 1.11), started for a test on 127.0.0.1 at a free port and
/// stopped by its PID. Scripts/install-deps.sh installs it.
///
/// The configuration has no `ConnectPort` line, which tinyproxy reads as CONNECT to any
/// port, so a test can tunnel to an origin on an ephemeral one. It has no `User` either:
/// run as root, tinyproxy only warns and keeps the current user, who owns the log.
public final class Tinyproxy: @unchecked Sendable {
    public let port: Int
    private let directory: URL
    private var process: Process?

    /// Takes `port`, or a free one, and a directory for the configuration and the log.
    public init(port: Int? = nil) throws {
        self.port = try port ?? unusedPort()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("greenlet-tinyproxy-\(getpid())-\(self.port)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// The running proxy's PID; nil before `start` and after `stop`.
    public var processIdentifier: Int32? { process?.processIdentifier }

    /// Starts tinyproxy in the foreground and waits until it logs that it accepts
    /// connections (at most 10 s). An open port is not enough: tinyproxy listens before it
    /// installs its SIGTERM handler, and a test that stops it in between kills it mid-start.
    /// - Throws: `TinyproxyFailure` when the binary is missing, or with the log's tail when
    ///   tinyproxy exits or does not get ready in time.
    public func start() throws {
        precondition(process == nil, "tinyproxy on port \(port) is already running")
        let config = directory.appendingPathComponent("tinyproxy.conf")
        try """
        Port \(port)
        Listen 127.0.0.1
        Timeout 30
        MaxClients 100
        Allow 127.0.0.1
        LogFile "\(logFile.path)"
        LogLevel Info

        """.write(to: config, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = try Self.executable()
        process.arguments = ["-d", "-c", config.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try withSignalsUnblocked { try process.run() }
        self.process = process
        let deadline = Date().addingTimeInterval(10)
        while !log.contains("[\(process.processIdentifier)]: Starting main loop. Accepting connections.") {
            guard process.isRunning, Date() < deadline else {
                stop()
                throw TinyproxyFailure(reason: "tinyproxy on port \(port) did not start; its log ends:\n" + log.split(separator: "\n").suffix(10).joined(separator: "\n"))
            }
            usleep(10_000)
        }
    }

    /// Everything tinyproxy has logged. It logs a request before forwarding it, so the
    /// request's line is there by the time its answer arrives.
    public var log: String {
        (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
    }

    /// The request lines logged so far, such as `GET http://127.0.0.1:8080/ HTTP/1.1` or
    /// `CONNECT 127.0.0.1:8443 HTTP/1.1`: what proves a request went through the proxy.
    public var requests: [String] {
        log.split(separator: "\n").compactMap { line in
            guard let marker = line.firstRange(of: "]: Request (file descriptor "),
                  let end = line[marker.upperBound...].firstRange(of: "): ") else { return nil }
            return String(line[end.upperBound...])
        }
    }

    /// Asks tinyproxy to exit (SIGTERM), kills it (SIGKILL) if it has not within 5 s, and
    /// waits until it is reaped. The log stays readable.
    public func stop() {
        guard let process else { return }
        self.process = nil
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        if !Self.waitForExit(process, within: 5) {
            kill(process.processIdentifier, SIGKILL)
            _ = Self.waitForExit(process, within: 5)
        }
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: directory)
    }

    private var logFile: URL { directory.appendingPathComponent("tinyproxy.log") }

    /// Polls rather than `Process.waitUntilExit`, which spins on a thread with no run loop.
    private static func waitForExit(_ process: Process, within seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning {
            guard Date() < deadline else { return false }
            usleep(5_000)
        }
        return true
    }

    private static func executable() throws -> URL {
        for path in ["/usr/bin/tinyproxy", "/usr/sbin/tinyproxy", "/usr/local/bin/tinyproxy"] where FileManager.default.isExecutableFile(atPath: path) {
            return URL(fileURLWithPath: path)
        }
        throw TinyproxyFailure(reason: "tinyproxy not found; run Scripts/install-deps.sh")
    }
}

public struct TinyproxyFailure: Error, CustomStringConvertible {
    public let reason: String
    public var description: String { reason }
}
