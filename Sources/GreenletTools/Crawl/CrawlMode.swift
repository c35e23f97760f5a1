/// How `greenlet crawl` runs the same fetches: Bluelet's experiment, sequential, OS
/// threads, OS processes and green threads side by side.
public enum CrawlMode: String, CaseIterable, Sendable {
    /// Green threads on one hub, at most `concurrency` fetches at once.
    case green
    /// One blocking fetch after another, on one OS thread.
    case sequential
    /// `concurrency` OS threads, each fetching with blocking sockets.
    case threads
    /// A pool of worker processes (at most 64), each fetching one URL at a time.
    case processes

    /// Worker processes are capped: each is a whole program in memory.
    public static let maxProcesses = 64

    /// How many fetches this mode runs at once for a requested concurrency.
    public func effectiveConcurrency(_ requested: Int) -> Int {
        switch self {
        case .green, .threads: requested
        case .sequential: 1
        case .processes: min(requested, Self.maxProcesses)
        }
    }
}
