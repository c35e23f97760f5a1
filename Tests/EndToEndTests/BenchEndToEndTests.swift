import Foundation
import Testing

/// `greenlet bench` as scripts use it: the JSON document, with a positive figure for
/// every mode, and the table.
@Suite("greenlet bench, end to end", .serialized, .timeLimit(.minutes(3)))
struct BenchEndToEndTests {
    @Test("`greenlet bench --json` runs crawl, echo and spawn: every mode has positive figures, nothing failed")
    func benchAllJSON() throws {
        let run = try GreenletProcess.run(["bench", "--json"], within: 120)
        #expect(run.termination == .exit(0), "\(run)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(document["benchmark"] as? String == "all")
        let benchmarks = try #require(document["benchmarks"] as? [[String: Any]])
        let modes = Dictionary(uniqueKeysWithValues: benchmarks.map { benchmark in
            (benchmark["benchmark"] as? String ?? "?", (benchmark["results"] as? [[String: Any]] ?? []).map { $0["mode"] as? String ?? "?" })
        })
        #expect(modes == ["crawl": ["sequential", "threads", "processes", "green"], "echo": ["threads", "processes", "green"], "spawn": ["green", "threads", "processes", "swift-task"]])
        for benchmark in benchmarks {
            let name = benchmark["benchmark"] as? String ?? "?"
            #expect((benchmark["machine"] as? [String: Any])?["cores"] as? Int ?? 0 > 0, "\(name): machine")
            #expect((benchmark["command"] as? String)?.contains("bench") == true, "\(name): command")
            #expect(!((benchmark["parameters"] as? [String: Any]) ?? [:]).isEmpty, "\(name): parameters")
            for result in benchmark["results"] as? [[String: Any]] ?? [] {
                for (key, value) in result where key != "mode" {
                    let number = (value as? NSNumber)?.doubleValue ?? -1
                    if key == "failed" {
                        #expect(number == 0, "\(name) \(result["mode"] ?? "?"): \(key) = \(value)")
                    } else if key == "server_cpu_us_per_round_trip" {
                        // /proc counts CPU in 10 ms ticks: a load this small may take less than one.
                        #expect(number >= 0, "\(name) \(result["mode"] ?? "?"): \(key) = \(value)")
                    } else {
                        #expect(number > 0, "\(name) \(result["mode"] ?? "?"): \(key) = \(value)")
                    }
                }
            }
        }
    }

    @Test("`greenlet bench echo` with tiny sizes: a row each for a thread per connection, a process per connection and green threads")
    func benchEchoTable() throws {
        let run = try GreenletProcess.run(["bench", "echo", "--connections", "2", "--messages", "20"], within: 60)
        #expect(run.termination == .exit(0), "\(run)")
        let lines = run.stdout.split(separator: "\n")
        #expect(lines.first == "echo: connections=2 messages=20 size=64 threads=1", "\(run)")
        try #require(lines.count == 5, "\(run)")
        let header = lines[1].split(separator: " ").map(String.init)
        let rows = lines[2...].map { Dictionary(uniqueKeysWithValues: zip(header, $0.split(separator: " ").map(String.init))) }
        #expect(rows.map { $0["mode"] } == ["threads", "processes", "green"], "\(run)")
        for row in rows {
            #expect(row["round_trips"] == "40", "\(run)")
            // Seconds and CPU ticks round to 0 at this size; the rates and latencies cannot.
            for key in ["round_trips_per_second", "p50_us", "p99_us"] {
                #expect((row[key].flatMap(Double.init) ?? 0) > 0, "\(key) in \(run)")
            }
        }
    }

    @Test("`greenlet echo --model threads|processes` echo every byte, as the green server does", arguments: ["threads", "processes"])
    func blockingModelsEcho(model: String) throws {
        let (server, port) = try GreenletProcess.listening("echo", ["--model", model])
        defer { server.kill() }
        let clients = try (0..<3).map { _ in try TestClient(port: port) }
        for (index, client) in clients.enumerated() {
            let payload = (0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ index) }
            #expect(try client.echo(payload) == payload)
        }
    }

    @Test("`Scripts/bench.sh --quick` writes the page and its PNG plots")
    func benchScriptWritesThePage() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("bench-page-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let script = Process()
        script.executableURL = URL(fileURLWithPath: "/bin/bash")
        script.arguments = [root.appendingPathComponent("Scripts/bench.sh").path, "--quick", "--out", out.path]
        script.environment = ProcessInfo.processInfo.environment.merging(["GREENLET_BIN": try GreenletProcess.binaryPath()]) { $1 }
        script.standardOutput = FileHandle.nullDevice
        script.standardError = FileHandle.nullDevice
        try script.run()
        script.waitUntilExit()
        #expect(script.terminationStatus == 0)
        let page = try String(contentsOf: out.appendingPathComponent("benchmarks.md"), encoding: .utf8)
        for heading in ["## crawl", "## echo", "## spawn", "| sequential |", "| processes |", "| green |", "greenlet bench crawl --requests 20"] {
            #expect(page.contains(heading), "no \(heading) in the page")
        }
        for plot in ["bench-crawl.png", "bench-echo.png"] {
            let bytes = try Data(contentsOf: out.appendingPathComponent(plot))
            #expect(bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]), "\(plot) is not a PNG")
            #expect(page.contains("(\(plot))"), "the page does not show \(plot)")
        }
    }
}
