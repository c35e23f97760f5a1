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

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }

    deinit { stop() }
}
