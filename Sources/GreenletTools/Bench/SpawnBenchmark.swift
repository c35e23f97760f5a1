import Foundation
import Greenlet

/// `greenlet bench spawn`: what a green thread costs next to an OS thread and an OS
/// process — spawn and join, one switch (two threads handing a value back and forth
/// through a pair of one-item `Queue`s; processes through pipes), and memory per parked
/// one (resident-set growth while they wait; a process's proportional set size); and the
/// same for bare Swift tasks, the floor the runtime sets under a green thread.
public enum SpawnBenchmark {
    /// One figure of the benchmark, to measure alone (with a profiler, say).
    public enum Figure: String, CaseIterable, Sendable {
        case spawnJoin = "spawn_join_ns"
        case switchTime = "switch_ns"
        case memory = "bytes_per_parked"
        /// The same three for bare Swift tasks on a hub (the `swift-task` row): the
        /// runtime's own floor under each green-thread figure.
        case taskSpawnJoin = "task_spawn_join_ns"
        case taskSwitch = "task_switch_ns"
        case taskMemory = "task_bytes_per_parked"
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
        var bare: [(String, Double)] = [("count", Double(count))]
        let memory = Figure.memory.rawValue
        let parked = try bytesPerParked(count, green: figures.contains(.memory), tasks: figures.contains(.taskMemory))
        if let bytes = parked.green {
            green.append((memory, bytes))
            threads.append((memory, threadBytesPerParked(osThreads)))
            if processes > 0 { spawned.append((memory, try ProcessSpawnBenchmark.bytesPerParked(processes, executable: executable))) }
        }
        if let bytes = parked.tasks { bare.append((memory, bytes)) }
        if figures.contains(.spawnJoin) {
            green.append((Figure.spawnJoin.rawValue, try greenSpawnJoin(count)))
            threads.append((Figure.spawnJoin.rawValue, threadSpawnJoin(osThreads)))
            if processes > 0 { spawned.append((Figure.spawnJoin.rawValue, try ProcessSpawnBenchmark.spawnJoin(processes, executable: executable))) }
        }
        if figures.contains(.taskSpawnJoin) { bare.append((Figure.spawnJoin.rawValue, try bareSpawnJoin(count))) }
        if figures.contains(.switchTime) {
            green.append((Figure.switchTime.rawValue, try greenSwitch(count)))
            threads.append((Figure.switchTime.rawValue, threadSwitch(osThreads * 10)))
            if processes > 0 { spawned.append((Figure.switchTime.rawValue, try ProcessSpawnBenchmark.switchTime(processes * 100, executable: executable))) }
        }
        if figures.contains(.taskSwitch) { bare.append((Figure.switchTime.rawValue, try bareSwitch(count))) }
        // A row per mode measured: each holds its count and at least one figure.
        let rows = [("green", green), ("threads", threads), ("processes", processes > 0 ? spawned : []), ("swift-task", bare)]
        let results = rows.filter { $0.1.count > 1 }.map { BenchmarkReport.Row(mode: $0.0, figures: $0.1) }
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

    // The Swift runtime's floor under each figure: bare tasks on the hub, with the hub as
    // their executor preference as a green thread has it, and nothing of greenlet's own
    // (no record, no kill, no deadline, no lock).

    static func bareSpawnJoin(_ count: Int) throws -> Double {
        try Hub.run {
            let hub = Hub.current!
            let start = Measure.now()
            var tasks: [Task<Int, Never>] = []
            tasks.reserveCapacity(count)
            for i in 0..<count { tasks.append(Task(executorPreference: hub) { i }) }
            for task in tasks { _ = await task.value }
            return Double(Measure.now() - start) / Double(count)
        }
    }

    static func bareSwitch(_ roundTrips: Int) throws -> Double {
        try Hub.run {
            let hub = Hub.current!
            let baton = Baton()
            let echo = Task(executorPreference: hub) {
                for _ in 0..<roundTrips { await baton.pass() }
            }
            let start = Measure.now()
            for _ in 0..<roundTrips { await baton.pass() }
            let elapsed = Measure.now() - start
            baton.release()
            await echo.value
            return Double(elapsed) / Double(2 * roundTrips)
        }
    }

    /// Resident-set growth per parked green thread and per parked bare task. The tasks
    /// park while the green threads still wait, so each grows the heap afresh instead
    /// of reusing blocks the other freed.
    static func bytesPerParked(_ count: Int, green: Bool, tasks: Bool) throws -> (green: Double?, tasks: Double?) {
        guard green || tasks else { return (nil, nil) }
        return try Hub.run {
            let hub = Hub.current!
            var figures: (green: Double?, tasks: Double?) = (nil, nil)
            let lot = ParkingLot("bench")
            var threads: [GreenThread<Void>] = []
            if green {
                let before = Measure.residentBytes()
                threads.reserveCapacity(count)
                for _ in 0..<count { threads.append(spawn { try await lot.park() }) }
                await yieldNow()
                figures.green = Double(Measure.residentBytes() - before) / Double(count)
            }
            let parked = ParkedContinuations()
            var bare: [Task<Void, Never>] = []
            if tasks {
                let before = Measure.residentBytes()
                bare.reserveCapacity(count)
                for _ in 0..<count { bare.append(Task(executorPreference: hub) { await parked.park() }) }
                await yieldNow()
                figures.tasks = Double(Measure.residentBytes() - before) / Double(count)
            }
            lot.unparkAll()
            _ = try await joinAll(threads)
            parked.resumeAll()
            for task in bare { await task.value }
            return figures
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

/// Two tasks handing the hub to each other through bare continuations, the least a
/// switch between tasks can cost.
final class Baton: @unchecked Sendable {
    private var waiting: UnsafeContinuation<Void, Never>?

    /// Wakes the other task, if it waits, and waits to be woken in turn.
    func pass() async {
        let other = waiting
        waiting = nil
        await _unsafeInheritExecutor_withUnsafeContinuation { continuation in
            waiting = continuation
            other?.resume()
        }
    }

    /// Wakes the task left waiting at the end.
    func release() {
        let other = waiting
        waiting = nil
        other?.resume()
    }
}

/// Bare tasks parked on continuations, for their memory.
final class ParkedContinuations: @unchecked Sendable {
    private var continuations: [UnsafeContinuation<Void, Never>] = []

    func park() async {
        await _unsafeInheritExecutor_withUnsafeContinuation { continuations.append($0) }
    }

    func resumeAll() {
        for continuation in continuations { continuation.resume() }
        continuations = []
    }
}
