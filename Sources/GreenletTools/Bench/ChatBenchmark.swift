/// `greenlet bench chat`: closed-loop broadcast through a chat server, measured from the
/// users (deliveries/s, latency of a line back to its sender) and, for a server it starts
/// itself, from the server (CPU µs per delivery).
public enum ChatBenchmark {
    /// - Parameters:
    ///   - target: an already running chat server to drive; nil starts `greenlet chat`
    ///     from `executable` on a free loopback port.
    public static func run(target: (host: String, port: Int)?, executable: String, clients: Int, messages: Int) throws -> BenchmarkReport {
        let parameters: [(String, Double)] = [("clients", Double(clients)), ("messages", Double(messages))]
        let row: BenchmarkReport.Row
        if let target {
            row = try ChatLoad.run(host: target.host, port: target.port, clients: clients, messages: messages)
        } else {
            let server = try ChildServer(executable: executable, arguments: ["chat", "--host", "127.0.0.1", "--port", "0"])
            defer { server.stop() }
            let cpuBefore = server.cpuSeconds()
            let load = try ChatLoad.run(host: "127.0.0.1", port: server.port, clients: clients, messages: messages)
            let cpu = server.cpuSeconds() - cpuBefore
            row = BenchmarkReport.Row(
                mode: "green",
                figures: load.figures + [("server_cpu_us_per_delivery", cpu * 1e6 / (load.value("deliveries") ?? 1))]
            )
        }
        return BenchmarkReport(benchmark: "chat", parameters: parameters, results: [row])
    }
}
