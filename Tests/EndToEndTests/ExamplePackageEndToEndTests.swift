import Foundation
import Glibc
import GreenletTestSupport
import Testing

/// The library from another package: Examples/Fetch depends on this one by path, imports
/// Greenlet, GreenletClient, GreenletHTTP and GreenletTLS through their products, builds,
/// and fetches from a `greenlet serve-http` on loopback.
@Suite("Examples/Fetch, a package that uses the library", .serialized, .timeLimit(.minutes(10)))
struct ExamplePackageEndToEndTests {
    /// Builds the example (once per test run; the scratch path keeps later builds
    /// incremental) and returns its binary.
    private static func fetchBinary() throws -> String {
        let root = FileManager.default.currentDirectoryPath
        let scratch = root + "/.build/examples/Fetch"
        let build = try Command.run(
            "swift", ["build", "--package-path", root + "/Examples/Fetch", "--scratch-path", scratch], within: 600)
        try #require(build.status == 0, "swift build of Examples/Fetch failed: \(build.output)")
        return scratch + "/debug/fetch"
    }

    @Test("builds against the exported products, fetches a file, follows a redirect, reports a 404")
    func fetchesFromServeHTTP() throws {
        let fetch = try Self.fetchBinary()
        let tree = try TemporaryTree()
        let body = Array("hello from a package that depends on greenlet\n".utf8)
        _ = try tree.write("root/hello.txt", body)
        _ = try tree.write("root/docs/index.html", "<p>docs</p>\n")
        let (server, port) = try GreenletProcess.listening("serve-http", ["--root", tree.path("root"), "--quiet"])
        defer { server.kill() }
        let origin = "http://127.0.0.1:\(port)"

        let file = try Command.run(fetch, [origin + "/hello.txt"], within: 20)
        #expect(file.status == 0, "\(file)")
        #expect(file.stdout == body, "\(file)")
        #expect(file.stderr == "200 \(body.count) bytes \(origin)/hello.txt\n", "\(file)")

        let redirected = try Command.run(fetch, [origin + "/docs"], within: 20)
        #expect(redirected.status == 0, "\(redirected)")
        #expect(redirected.stdout == Array("<p>docs</p>\n".utf8), "\(redirected)")
        #expect(redirected.stderr == "200 12 bytes \(origin)/docs/\n", "\(redirected)")

        let missing = try Command.run(fetch, [origin + "/missing.txt"], within: 20)
        #expect(missing.status == 1, "\(missing)")
        #expect(missing.stderr.hasPrefix("404 "), "\(missing)")
        #expect(missing.stderr.hasSuffix(" bytes \(origin)/missing.txt\n"), "\(missing)")
    }

    @Test("a refused connection and a bad URL are one line on stderr each")
    func failuresAreOneLine() throws {
        let fetch = try Self.fetchBinary()
        let refused = try Command.run(fetch, ["http://127.0.0.1:\(try unusedPort())/"], within: 20)
        #expect(refused.status == 1, "\(refused)")
        #expect(refused.stderr.hasPrefix("fetch: connection refused"), "\(refused)")
        let bad = try Command.run(fetch, ["ftp://127.0.0.1/"], within: 20)
        #expect(bad.status == 64, "\(bad)")
        #expect(bad.stderr.split(separator: "\n").count == 1, "\(bad)")
    }
}

/// A command run to its end, bounded in time: its exit status and what it printed.
private struct Command: CustomStringConvertible {
    var status: Int32
    var stdout: [UInt8]
    var stderr: String

    var output: String { String(decoding: stdout, as: UTF8.self) + stderr }
    var description: String { "exit \(status), stdout: \(output.debugDescription)" }

    /// Runs `executable` (a path, or a name looked up on PATH) and waits at most `seconds`,
    /// killing it past that.
    static func run(_ executable: String, _ arguments: [String], within seconds: Double) throws -> Command {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable] + arguments
        let files = try TemporaryTree()
        let (out, err) = (files.path("stdout"), files.path("stderr"))
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        _ = FileManager.default.createFile(atPath: err, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
        try process.run()
        let deadline = Date(timeIntervalSinceNow: seconds)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            throw GreenletProcessError(description: "\(executable) \(arguments) ran past \(seconds) s")
        }
        return Command(
            status: process.terminationStatus,
            stdout: Array(try Data(contentsOf: URL(fileURLWithPath: out))),
            stderr: String(decoding: try Data(contentsOf: URL(fileURLWithPath: err)), as: UTF8.self))
    }
}
