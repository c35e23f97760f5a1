import Foundation

/// `greenlet bench echo`: ping-pong round trips through an echo server, measured from the
/// client (round trips/s, latency) and, for the servers it starts itself (a thread per
/// connection, a process per connection, green threads), from the server (CPU µs per
/// round trip).
public enum EchoBenchmark {
    /// - Parameters:
    ///   - target: an already running server to drive; nil starts `greenlet echo` from
    ///     `executable` on a free loopback port, with `threads` hubs, once per model in
    ///     `modes` (`threads`, `processes`, `green`).
    public static func run(
        target: (host: String, port: Int)?, executable: String,
        connections: Int, messages: Int, size: Int, threads: Int = 1,
        modes: [String] = ["threads", "processes", "green"]
    ) throws -> BenchmarkReport {
        var parameters: [(String, Double)] = [
            ("connections", Double(connections)), ("messages", Double(messages)), ("size", Double(size)),
        ]
        if target == nil { parameters.append(("threads", Double(threads))) }
        var rows: [BenchmarkReport.Row] = []
        if let target {
            rows.append(try EchoLoad.run(host: target.host, port: target.port, connections: connections, messages: messages, size: size))
        } else {
            for model in modes {
                let server = try ChildServer(executable: executable, arguments: [
                    "echo", "--host", "127.0.0.1", "--port", "0", "--threads", String(threads), "--model", model,
                ])
                defer { server.stop() }
                let cpuBefore = server.cpuSeconds()
                let (load, peak) = try server.peakResidentBytes {
                    try EchoLoad.run(host: "127.0.0.1", port: server.port, connections: connections, messages: messages, size: size)
                }
                // A process per connection ends with its connection; its CPU counts once
                // the server has reaped it.
                if model == "processes" { usleep(300_000) }
                let cpu = server.cpuSeconds() - cpuBefore
                rows.append(BenchmarkReport.Row(
                    mode: model,
                    figures: load.figures + [
                        ("server_cpu_us_per_round_trip", cpu * 1e6 / (load.value("round_trips") ?? 1)),
                        ("server_peak_rss_mib", Double(peak) / 1_048_576),
                    ]
                ))
            }
        }
        return BenchmarkReport(benchmark: "echo", parameters: parameters, results: rows)
    }
}
