/// What the hub keeps of every green thread, whatever its result type.
public class AnyGreenThread: @unchecked Sendable {
    unowned(unsafe) let hub: Hub
    /// Unique on its hub; 0 until the thread starts.
    private(set) var id: UInt64 = 0
    /// A name for diagnostics, given at spawn or derived from the spawn site.
    public let name: String
    let spawnSite: String
    fileprivate var task: Task<Void, Never>?

    init(hub: Hub, name: String?, fileID: String, line: Int) {
        self.hub = hub
        self.spawnSite = "\(fileID):\(line)"
        self.name = name ?? "green thread at \(spawnSite)"
    }

    var diagnosticName: String { "#\(id) \(name) (spawned at \(spawnSite))" }

    /// Makes the green thread throw `CancellationError` at its current or next wait;
    /// its `defer` blocks and catch clauses run as the error unwinds it. Does nothing to
    /// a finished green thread. Returns at once: join to wait for the end.
    public func kill() {
        task?.cancel()
    }

    fileprivate func started(_ task: Task<Void, Never>) {
        id = hub.register(self)
        self.task = task
    }

    fileprivate func ended() {
        hub.unregister(id)
        task = nil
    }
}

/// A handle on a green thread: join it with `value`, stop it with `kill()`.
public final class GreenThread<T: Sendable>: AnyGreenThread, @unchecked Sendable {
    private(set) var result: Result<T, any Error>?
    private let joiners = ParkingLot("join")

    /// True once the green thread has returned or thrown.
    public var isFinished: Bool { result != nil }

    /// Waits for the green thread to end and returns its value or rethrows its error
    /// (`CancellationError` when it was killed).
    /// - Throws: its error; `CancellationError` when the *joiner* is killed;
    ///   `TimeoutError` past an enclosing `withTimeout`.
    public var value: T {
        get async throws {
            while result == nil {
                try await joiners.park()
            }
            return try result!.get()
        }
    }

    func start(_ body: sending @escaping () async throws -> T, onFinish: (@Sendable () -> Void)? = nil) {
        // The task is created on the hub but only runs once this job yields to the loop,
        // so `started` registers it before any of its code runs.
        let task = Task(executorPreference: hub) { [self] in
            let outcome: Result<T, any Error>
            do {
                outcome = .success(try await body())
            } catch {
                outcome = .failure(error)
            }
            result = outcome
            ended()
            joiners.unparkAll()
            onFinish?()
        }
        started(task)
    }
}

/// Starts `body` as a new green thread on the calling green thread's hub. It first runs
/// when the caller next waits or yields.
/// - Parameter name: shown in diagnostics; defaults to the spawn site.
@discardableResult
public func spawn<T: Sendable>(
    _ name: String? = nil,
    fileID: String = #fileID,
    line: Int = #line,
    _ body: sending @escaping () async throws -> T
) -> GreenThread<T> {
    let hub = Hub.mustBeCurrent()
    let thread = GreenThread<T>(hub: hub, name: name, fileID: fileID, line: line)
    thread.start(body)
    return thread
}

/// Waits for every green thread in `threads`, in order, and returns their values.
/// - Throws: the first error met in that order; the others keep running.
public func joinAll<T>(_ threads: [GreenThread<T>]) async throws -> [T] {
    var values: [T] = []
    values.reserveCapacity(threads.count)
    for thread in threads {
        values.append(try await thread.value)
    }
    return values
}
