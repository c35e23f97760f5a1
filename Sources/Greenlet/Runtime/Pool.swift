/// A group of at most `size` green threads running at once (gevent's `Pool`): bounded
/// concurrency, such as a crawl of `-c 20`.
public final class Pool: Sendable {
    /// The most members running at once.
    public let size: Int
    private let slots: Semaphore
    private let group = Group()

    public init(size: Int) {
        precondition(size >= 1, "Pool size must be at least 1")
        self.size = size
        slots = Semaphore(value: size)
    }

    /// The members still running.
    public var count: Int { group.count }

    /// Starts `body` as a new member, first waiting while `size` members run.
    /// - Throws: `TimeoutError` past an enclosing `withTimeout`, `CancellationError` when
    ///   the caller is killed while it waits; nothing is started then.
    @discardableResult
    public func spawn<T: Sendable>(
        _ name: String? = nil,
        fileID: StaticString = #fileID,
        line: UInt = #line,
        _ body: sending @escaping () async throws -> T
    ) async throws -> GreenThread<T> {
        try await slots.acquire()
        let slots = self.slots
        let work = SentClosure(body)
        return group.spawn(name, fileID: fileID, line: line) {
            defer { slots.release() }
            return try await work.run()
        }
    }

    /// Runs `transform` on every input, at most `size` at once, and returns the outputs
    /// in input order (gevent's `Pool.map`).
    /// - Throws: the first error a call throws; no further input is started, the calls
    ///   still running are killed, and waited for, before it is rethrown.
    public func map<Input: Sendable, Output: Sendable>(
        _ inputs: some Sequence<Input>,
        _ transform: @escaping @Sendable (Input) async throws -> Output
    ) async throws -> [Output] {
        let run = MapRun()
        var threads: [GreenThread<Output>] = []
        do {
            for input in inputs {
                if run.outcome.result != nil { break }
                run.running += 1
                threads.append(try await spawn {
                    do {
                        let output = try await transform(input)
                        run.returned()
                        return output
                    } catch {
                        run.outcome.fail(error)
                        throw error
                    }
                })
            }
            run.startedAll()
            try await run.outcome.wait()
            return try threads.map { try $0.result!.get() }
        } catch {
            for thread in threads { thread.kill() }
            for thread in threads { _ = try? await thread.value }
            throw error
        }
    }

    /// Waits until every member has ended; see `Group.joinAll` for errors.
    public func joinAll(timeout: Double? = nil) async throws {
        try await group.joinAll(timeout: timeout)
    }

    /// Kills every member.
    public func killAll() {
        group.killAll()
    }
}

/// The progress of one `Pool.map`, shared by the caller and its calls, which all run on
/// the caller's hub.
private final class MapRun: @unchecked Sendable {
    /// Fails with the first error, or succeeds once every call has returned.
    let outcome = AsyncResult<Void>()
    var running = 0
    private var allStarted = false

    func returned() {
        running -= 1
        finishIfDone()
    }

    func startedAll() {
        allStarted = true
        finishIfDone()
    }

    private func finishIfDone() {
        if running == 0, allStarted { outcome.succeed(()) }
    }
}
