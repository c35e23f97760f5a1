import Foundation
import Greenlet

/// `greenlet bench spawn`: what a green thread costs next to an OS thread and an OS
/// process — spawn and join, one switch (two threads handing a value back and forth
/// through a pair of one-item `Queue`s; processes through pipes), and memory per parked
/// one (resident-set growth while they wait; a process's proportional set size).
public enum SpawnBenchmark {
    /// One figure of the benchmark, to measure alone (with a profiler, say).
    public enum Figure: String, CaseIterable, Sendable {
        case spawnJoin = "spawn_join_ns"
        case switchTime = "switch_ns"
        case memory = "bytes_per_parked"
    }

    /// - Parameters:
    ///   - count: green threads spawned, round trips made and threads parked.
    ///   - osThreads: the same for OS threads, which cost far more each.
    ///   - figures: what to measure; memory comes first, while the heap is fresh, since
    ///     blocks freed by the other measurements would hide its growth.
    ///   - processes: the same for OS processes (this program again, spawned), which cost
    ///     more still; 0 leaves them out.
    ///   - executable: this program, for the processes.
    public static func run(
        count: Int, osThreads: Int, processes: Int = 0, executable: String = "/proc/self/exe",
        figures: [Figure] = Figure.allCases
    ) throws -> BenchmarkReport {
        var green: [(String, Double)] = [("count", Double(count))]
        var threads: [(String, Double)] = [("count", Double(osThreads))]
        var spawned: [(String, Double)] = [("count", Double(processes))]
        let ordered = [Figure.memory, .spawnJoin, .switchTime].filter(figures.contains)
        for figure in ordered {
            switch figure {
            case .memory:
                green.append((figure.rawValue, try greenBytesPerParked(count)))
                threads.append((figure.rawValue, threadBytesPerParked(osThreads)))
                if processes > 0 { spawned.append((figure.rawValue, try ProcessSpawnBenchmark.bytesPerParked(processes, executable: executable))) }
            case .spawnJoin:
                green.append((figure.rawValue, try greenSpawnJoin(count)))
                threads.append((figure.rawValue, threadSpawnJoin(osThreads)))
                if processes > 0 { spawned.append((figure.rawValue, try ProcessSpawnBenchmark.spawnJoin(processes, executable: executable))) }
            case .switchTime:
                green.append((figure.rawValue, try greenSwitch(count)))
                threads.append((figure.rawValue, threadSwitch(osThreads * 10)))
                if processes > 0 { spawned.append((figure.rawValue, try ProcessSpawnBenchmark.switchTime(processes * 100, executable: executable))) }
            }
        }
        var results: [BenchmarkReport.Row] = [.init(mode: "green", figures: green), .init(mode: "threads", figures: threads)]
        if processes > 0 { results.append(.init(mode: "processes", figures: spawned)) }
        return BenchmarkReport(
            benchmark: "spawn",
            parameters: [("count", Double(count)), ("os_threads", Double(osThreads)), ("processes", Double(processes))],
            results: results
        )
    }

    static func greenSpawnJoin(_ count: Int) throws -> Double {
        try Hub.run {
            let start = Measure.now()
            var threads: [GreenThread<Int>] = []
            threads.reserveCapacity(count)
            for i in 0..<count { threads.append(spawn { i }) }
            _ = try await joinAll(threads)
            return Double(Measure.now() - start) / Double(count)
        }
    }

    static func greenSwitch(_ roundTrips: Int) throws -> Double {
        try Hub.run {
            let ping = Queue<Int>(capacity: 1)
            let pong = Queue<Int>(capacity: 1)
            let echo = spawn {
                for _ in 0..<roundTrips { try await pong.put(try await ping.get()) }
            }
            let start = Measure.now()
            for i in 0..<roundTrips {
                try await ping.put(i)
                _ = try await pong.get()
            }
            let elapsed = Measure.now() - start
            try await echo.value
            return Double(elapsed) / Double(2 * roundTrips)
        }
    }

    static func greenBytesPerParked(_ count: Int) throws -> Double {
        try Hub.run {
            let lot = ParkingLot("bench")
            let before = Measure.residentBytes()
            var threads: [GreenThread<Void>] = []
            threads.reserveCapacity(count)
            for _ in 0..<count { threads.append(spawn { try await lot.park() }) }
            await yieldNow()
            let after = Measure.residentBytes()
            lot.unparkAll()
            _ = try await joinAll(threads)
            return Double(after - before) / Double(count)
        }
    }

    static func threadSpawnJoin(_ count: Int) -> Double {
        let start = Measure.now()
        let threads = (0..<count).map { _ in startThread {} }
        threads.forEach { pthread_join($0, nil) }
        return Double(Measure.now() - start) / Double(count)
    }

    static func threadSwitch(_ roundTrips: Int) -> Double {
        let ping = OSSemaphore(), pong = OSSemaphore()
        let echo = startThread {
            for _ in 0..<roundTrips { ping.wait(); pong.post() }
        }
        let start = Measure.now()
        for _ in 0..<roundTrips { ping.post(); pong.wait() }
        let elapsed = Measure.now() - start
        pthread_join(echo, nil)
        return Double(elapsed) / Double(2 * roundTrips)
    }

    static func threadBytesPerParked(_ count: Int) -> Double {
        let gate = OSSemaphore()
        let before = Measure.residentBytes()
        let threads = (0..<count).map { _ in startThread { gate.wait() } }
        usleep(100_000)  // let every thread reach its wait
        let after = Measure.residentBytes()
        for _ in 0..<count { gate.post() }
        threads.forEach { pthread_join($0, nil) }
        return Double(after - before) / Double(count)
    }
}

/// A thread for the OS-thread side of the benchmark, which cannot go on without it.
private func startThread(_ body: @escaping @Sendable () -> Void) -> pthread_t {
    do {
        return try OSThread.start(body)
    } catch {
        fatalError("\(error)")
    }
}

/// A POSIX semaphore in memory of its own, so it never moves.
final class OSSemaphore: @unchecked Sendable {
    private let semaphore = UnsafeMutablePointer<sem_t>.allocate(capacity: 1)

    init() { sem_init(semaphore, 0, 0) }
    deinit {
        sem_destroy(semaphore)
        semaphore.deallocate()
    }

    func post() { sem_post(semaphore) }
    func wait() { while sem_wait(semaphore) != 0 {} }
}

extension SpawnBenchmark {
    /// What a child process of the OS-process column does.
    public enum ChildRole: String, CaseIterable, Sendable {
        /// Exits at once (spawn + join).
        case exit
        /// Sends back each byte of stdin until it ends (a switch is half a round trip).
        case echo
        /// Waits for stdin to end (memory per parked process).
        case park
    }

    /// Runs as one of those children (`bench spawn --child ROLE`).
    public static func serveChild(_ role: ChildRole) {
        ProcessSpawnBenchmark.serve(role)
    }
}
