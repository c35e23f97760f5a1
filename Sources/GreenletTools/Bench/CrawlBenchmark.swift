/// Bluelet's crawler experiment, repeatable: a local origin answers every request after
/// `latency` milliseconds, and the same URLs are crawled in each execution model. Latency
/// dominates, so the ideal time is `requests / concurrency × latency`; sequential pays it
/// `requests` times.
public enum CrawlBenchmark {
    /// - Parameter executable: this program, for the worker processes.
    /// - Throws: when the origin cannot start or a crawl cannot.
    public static func run(
        requests: Int, latency: Double, concurrency: Int, executable: String,
        modes: [CrawlMode] = [.sequential, .threads, .processes, .green]
    ) throws -> BenchmarkReport {
        let origin = try Origin.start()
        defer { origin.stop() }
        let lines = (0..<requests).map { "http://127.0.0.1:\(origin.port)/bytes/1024?delay=\(latency)&n=\($0)" }
        var rows: [BenchmarkReport.Row] = []
        var sequentialSeconds: Double?
        for mode in modes {
            // One host: the per-host limit would be the concurrency measured.
            let crawler = try Crawler(options: Crawler.Options(mode: mode, concurrency: concurrency, executable: executable, perHost: concurrency))
            let summary = try crawler.run(lines) { _ in }
            if mode == .sequential { sequentialSeconds = summary.seconds }
            var figures: [(String, Double)] = [
                ("seconds", summary.seconds),
                ("requests_per_s", Double(summary.crawled) / summary.seconds),
                ("concurrency", Double(summary.concurrency)),
                ("failed", Double(summary.failed)),
            ]
            if let sequentialSeconds { figures.append(("speedup", sequentialSeconds / summary.seconds)) }
            rows.append(BenchmarkReport.Row(mode: mode.rawValue, figures: figures))
        }
        return BenchmarkReport(
            benchmark: "crawl",
            parameters: [("requests", Double(requests)), ("latency_ms", latency), ("concurrency", Double(concurrency))],
            results: rows)
    }
}
