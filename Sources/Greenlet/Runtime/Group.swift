import GreenletLocks

/// Green threads spawned together and waited for together (gevent's `Group`).
///
/// `joinAll` waits until every member has ended, then throws the first error a member
/// ended with, in the order they ended; the other members are not killed (`killAll`
/// does that). A member that was killed does not count as failed, as gevent's
/// `GreenletExit` does not. The group can be shared between hubs; each member runs on
/// the hub that spawned it.
public final class Group: WaitSite, Sendable {
    private struct State {
        var members: [ObjectIdentifier: AnyGreenThread] = [:]
        var firstError: (any Error)?
        var joiners = WaiterList()
    }

    private let state = Locked(State())

    public init() {}

    /// The members still running.
    public var count: Int { state.withLock { $0.members.count } }

    /// Starts `body` as a new green thread of the group, on the caller's hub (see `spawn`).
    @discardableResult
    public func spawn<T: Sendable>(
        _ name: String? = nil,
        fileID: StaticString = #fileID,
        line: UInt = #line,
        _ body: sending @escaping () async throws -> T
    ) -> GreenThread<T> {
        let thread = GreenThread<T>(hub: Hub.mustBeCurrent(), name: name, fileID: fileID, line: line)
        state.withLock { $0.members[ObjectIdentifier(thread)] = thread }
        thread.start(body) { [self] in ended(thread) }
        return thread
    }

    /// Waits until every member has ended, members spawned meanwhile included.
    /// - Throws: the first error a member ended with (once: it is then forgotten);
    ///   `TimeoutError` after `timeout` seconds or past an enclosing `withTimeout`;
    ///   `CancellationError` when the caller is killed.
    public func joinAll(timeout: Double? = nil) async throws {
        try await Waiter.park(on: self, reason: .groupJoin, until: .timeout(timeout)) { waiter in
            state.withLock { state in
                if state.members.isEmpty { return .ready }
                state.joiners.append(waiter)
                return .parked
            }
        }
        let error = state.withLock { state in
            defer { state.firstError = nil }
            return state.firstError
        }
        if let error { throw error }
    }

    /// Kills every member; `joinAll` then waits for their cleanup.
    public func killAll() {
        for member in state.withLock({ Array($0.members.values) }) { member.kill() }
    }

    private func ended<T>(_ thread: GreenThread<T>) {
        var failure: (any Error)?
        if case .failure(let error) = thread.result, !(error is CancellationError) { failure = error }
        let joiners = state.withLock { state -> [Waiter] in
            state.members[ObjectIdentifier(thread)] = nil
            if state.firstError == nil { state.firstError = failure }
            return state.members.isEmpty ? state.joiners.removeAll() : []
        }
        for joiner in joiners { joiner.deliver() }
    }

    func withdraw(_ waiter: Waiter) -> Bool {
        state.withLock { $0.joiners.remove(waiter) }
    }
}
