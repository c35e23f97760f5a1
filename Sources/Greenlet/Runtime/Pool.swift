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
        return start(name, fileID: fileID, line: line, body)
    }

    /// Starts a member in a slot the caller has acquired; the member frees it as it ends.
    private func start<T: Sendable>(
        _ name: String?,
        fileID: StaticString,
        line: UInt,
        _ body: sending @escaping () async throws -> T
    ) -> GreenThread<T> {
        let slots = self.slots
        let work = UncheckedSendable(body)
        return group.spawn(name, fileID: fileID, line: line) {
            defer { slots.release() }
            return try await work.value()
        }
    }

    /// Runs `transform` on every input, at most `size` at once, and returns the outputs
    /// in input order (gevent's `Pool.map`).
    /// - Throws: the first error a call throws; no further input is started, and the calls
    ///   still running are killed and waited for before it is rethrown. When it is the
    ///   caller that is killed or times out, the calls are killed but not waited for: a
    ///   killed green thread cannot wait.
    public func map<Input: Sendable, Output: Sendable>(
        _ inputs: some Sequence<Input>,
        fileID: StaticString = #fileID,
        line: UInt = #line,
        _ transform: @escaping @Sendable (Input) async throws -> Output
    ) async throws -> [Output] {
        let run = MapRun<Output>()
        var threads: [GreenThread<Void>] = []
        do {
            for (index, input) in inputs.enumerated() {
                try await slots.acquire()
                // A call may have failed while this one waited for its slot.
                if run.outcome.result != nil {
                    slots.release()
                    break
                }
                run.started()
                threads.append(start(nil, fileID: fileID, line: line) {
                    do {
                        run.returned(try await transform(input), at: index)
                    } catch {
                        run.outcome.fail(error)
                        throw error
                    }
                })
            }
            run.startedAll()
            try await run.outcome.wait()
            return run.outputs.map { $0! }
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
private final class MapRun<Output: Sendable>: @unchecked Sendable {
    /// Fails with the first error, or succeeds once every call has returned.
    let outcome = AsyncResult<Void>()
    private(set) var outputs: [Output?] = []
    private var running = 0
    private var allStarted = false

    func started() {
        running += 1
        outputs.append(nil)
    }

    func returned(_ output: Output, at index: Int) {
        outputs[index] = output
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
