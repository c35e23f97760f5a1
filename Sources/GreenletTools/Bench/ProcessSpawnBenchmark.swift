import Foundation
import Glibc

/// The OS-process column of `greenlet bench spawn`: the same three figures with whole
/// processes, this program again in a small `bench spawn --child ROLE` role, spawned (not
/// forked: `fork` is unsafe in a Swift process).
enum ProcessSpawnBenchmark {
    typealias Role = SpawnBenchmark.ChildRole

    /// The child side.
    static func serve(_ role: Role) {
        var byte: UInt8 = 0
        switch role {
        case .exit: return
        case .echo: while read(0, &byte, 1) == 1 { _ = write(1, &byte, 1) }
        case .park: while read(0, &byte, 1) == 1 {}
        }
    }

    static func spawnJoin(_ count: Int, executable: String) throws -> Double {
        let began = Measure.now()
        for _ in 0..<count {
            let child = try start(.exit, executable: executable)
            child.waitUntilExit()
        }
        return Double(Measure.now() - began) / Double(count)
    }

    static func switchTime(_ roundTrips: Int, executable: String) throws -> Double {
        let input = Pipe(), output = Pipe()
        let child = try start(.echo, executable: executable, input: input, output: output)
        let writing = input.fileHandleForWriting.fileDescriptor, reading = output.fileHandleForReading.fileDescriptor
        var byte: UInt8 = 1
        let began = Measure.now()
        for _ in 0..<roundTrips {
            guard write(writing, &byte, 1) == 1, read(reading, &byte, 1) == 1 else { break }
        }
        let elapsed = Measure.now() - began
        try input.fileHandleForWriting.close()
        child.waitUntilExit()
        return Double(elapsed) / Double(2 * roundTrips)
    }

    /// Proportional set size (shared pages split among their users) per parked child.
    static func bytesPerParked(_ count: Int, executable: String) throws -> Double {
        let inputs = (0..<count).map { _ in Pipe() }
        let children = try inputs.map { try start(.park, executable: executable, input: $0) }
        usleep(300_000)  // let every child reach its read
        let total = children.map { proportionalBytes(of: $0.processIdentifier) }.reduce(0, +)
        for input in inputs { try input.fileHandleForWriting.close() }
        for child in children { child.waitUntilExit() }
        return total / Double(count)
    }

    private static func start(_ role: Role, executable: String, input: Pipe? = nil, output: Pipe? = nil) throws -> Process {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: executable)
        child.arguments = ["bench", "spawn", "--child", role.rawValue]
        if let input { child.standardInput = input }
        if let output { child.standardOutput = output }
        try child.run()
        return child
    }

    private static func proportionalBytes(of pid: Int32) -> Double {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/smaps_rollup", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("Pss:") }),
              let kilobytes = line.split(separator: " ").dropFirst().first.flatMap({ Double($0) })
        else { return 0 }
        return kilobytes * 1024
    }
}
