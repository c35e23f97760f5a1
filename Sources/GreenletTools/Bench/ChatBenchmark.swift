/// `greenlet bench chat`: closed-loop broadcast through a chat server, measured from the
/// users (deliveries/s, latency of a line back to its sender) and, for a server it starts
/// itself, from the server (CPU µs per delivery).
public enum ChatBenchmark {
    /// - Parameters:
    ///   - targets: already running chat servers of one room to drive, the users dealt to
    ///     them round-robin; none starts `greenlet chat` from `executable` on a free
    ///     loopback port.
    public static func run(targets: [(host: String, port: Int)], executable: String, clients: Int, messages: Int) throws -> BenchmarkReport {
        var parameters: [(String, Double)] = [("clients", Double(clients)), ("messages", Double(messages))]
        if targets.count > 1 { parameters.append(("targets", Double(targets.count))) }
        let row: BenchmarkReport.Row
        if !targets.isEmpty {
            row = try ChatLoad.run(targets: targets, clients: clients, messages: messages)
        } else {
            let server = try ChildServer(executable: executable, arguments: ["chat", "--host", "127.0.0.1", "--port", "0"])
            defer { server.stop() }
            let cpuBefore = server.cpuSeconds()
            let load = try ChatLoad.run(targets: [("127.0.0.1", server.port)], clients: clients, messages: messages)
            let cpu = server.cpuSeconds() - cpuBefore
            row = BenchmarkReport.Row(
                mode: "green",
                figures: load.figures + [("server_cpu_us_per_delivery", cpu * 1e6 / (load.value("deliveries") ?? 1))]
            )
        }
        return BenchmarkReport(benchmark: "chat", parameters: parameters, results: [row])
    }
}
