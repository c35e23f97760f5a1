/// `greenlet bench all`: each benchmark at a size that shows the models apart and keeps
/// the whole under a minute on two cores.
public enum BenchmarkSuite {
    /// crawl (20 URLs, 50 ms latency, all four modes), echo (10 connections x 200 round
    /// trips, three servers), spawn (10,000 green threads, 200 OS threads, 10 processes).
    public static func runSmall(executable: String) throws -> [BenchmarkReport] {
        [
            try CrawlBenchmark.run(requests: 20, latency: 50, concurrency: 20, executable: executable),
            try EchoBenchmark.run(target: nil, executable: executable, connections: 10, messages: 200, size: 64),
            try SpawnBenchmark.run(count: 10_000, osThreads: 200, processes: 10, executable: executable),
        ]
    }

    /// One JSON document holding each benchmark's: `{"benchmark": "all", "benchmarks": [...]}`.
    public static func json(_ reports: [BenchmarkReport]) -> String {
        "{\"benchmark\":\"all\",\"benchmarks\":[" + reports.map { $0.json() }.joined(separator: ",") + "]}"
    }
}
