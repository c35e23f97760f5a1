import Foundation

/// A server subprocess for a benchmark: started with `--port 0`, found through its
/// `listening on HOST:PORT` line, measured through /proc, stopped with SIGTERM.
final class ChildServer {
    let process = Process()
    let port: Int
    private let output = Pipe()

    struct StartFailure: Error, CustomStringConvertible {
        let description: String
    }

    init(executable: String, arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = output
        try process.run()
        // The first line tells the port; read it byte by byte so nothing else is consumed.
        var line = [UInt8]()
        let handle = output.fileHandleForReading
        while line.last != 0x0A, line.count < 256 {
            guard let byte = try handle.read(upToCount: 1), !byte.isEmpty else { break }
            line += byte
        }
        let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.hasPrefix("listening on "), let port = text.split(separator: ":").last.flatMap({ Int($0) }) else {
            process.terminate()
            throw StartFailure(description: "server \(executable) did not start (said: \(text.isEmpty ? "nothing" : text))")
        }
        self.port = port
    }

    /// CPU seconds (user + system) the server has used so far, with that of its children
    /// once they have ended (a process-per-connection server's).
    func cpuSeconds() -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After the command name: state is field 3, utime 14 and stime 15.
        guard fields.count > 14, let user = Double(fields[11]), let system = Double(fields[12]),
              let childrenUser = Double(fields[13]), let childrenSystem = Double(fields[14]) else { return 0 }
        return (user + system + childrenUser + childrenSystem) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Runs `body` while sampling, every 20 ms, the resident memory of the server and its
    /// children (a process-per-connection server's); returns the peak in bytes beside
    /// `body`'s value.
    func peakResidentBytes<T>(during body: () throws -> T) rethrows -> (value: T, peak: Int) {
        let pid = process.processIdentifier
        let state = PeakSampler()
        let sampler = Thread {
            while !state.isDone {
                state.record(Self.residentBytes(of: pid, withChildren: true))
                usleep(20_000)
            }
        }
        sampler.start()
        defer { state.finish() }
        let value = try body()
        state.record(Self.residentBytes(of: pid, withChildren: true))
        return (value, state.peak)
    }

    private static func residentBytes(of pid: Int32, withChildren: Bool) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kilobytes = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
        else { return 0 }
        guard withChildren, let children = try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8) else {
            return kilobytes * 1024
        }
        return kilobytes * 1024 + children.split(separator: " ").compactMap { Int32($0) }.map { residentBytes(of: $0, withChildren: false) }.reduce(0, +)
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }

    deinit { stop() }
}

/// The peak a sampling thread has seen, and when to stop.
private final class PeakSampler: @unchecked Sendable {
    private let lock = NSLock()
    private var highest = 0
    private var done = false

    var isDone: Bool { lock.withLock { done } }
    var peak: Int { lock.withLock { highest } }

    func record(_ bytes: Int) { lock.withLock { highest = max(highest, bytes) } }
    func finish() { lock.withLock { done = true } }
}
