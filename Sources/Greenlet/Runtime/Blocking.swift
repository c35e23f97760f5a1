/// Runs `work` on a worker OS thread and resumes the calling green thread with its
/// value or error, so that a blocking call does not stall the hub (gevent's threadpool).
///
/// Killing the green thread, or an enclosing `withTimeout`, releases it at once with
/// `CancellationError` / `TimeoutError`; `work` itself cannot be interrupted, runs to
/// its end on the worker, and its late result is dropped.
public func blocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await runBlocking(on: Hub.mustBeCurrent(), until: nil, work)
}

/// `blocking` with a deadline of the caller's own (a connect timeout, say).
func runBlocking<T: Sendable>(
    on hub: Hub,
    until deadline: Deadline?,
    _ work: @escaping @Sendable () throws -> T
) async throws -> T {
    let box = ResultBox<T>()
    try await Waiter.park(on: hub, reason: .blocking, until: deadline) { waiter in
        let generation = waiter.generation
        WorkerPool.shared.submit {
            let outcome = Result { try work() }
            hub.execute {
                // Killed or timed out meanwhile (and maybe reused by another wait): drop it.
                guard waiter.generation == generation, waiter.isParked else { return }
                box.outcome = outcome
                waiter.wake()
            }
        }
    }
    return try box.outcome!.get()
}

/// Carries a worker's result to the hub thread, which alone reads and writes it.
private final class ResultBox<T: Sendable>: @unchecked Sendable {
    var outcome: Result<T, any Error>?
}
