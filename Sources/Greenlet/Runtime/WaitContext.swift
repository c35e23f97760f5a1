/// What every wait of the running green thread needs: the thread a kill reaches it
/// through, and the innermost `withTimeout` deadline. Kept in one task-local, so that a
/// park pays for one lookup.
@usableFromInline
struct WaitContext: Sendable {
    let thread: AnyGreenThread?
    let deadline: TimeoutScope?

    @usableFromInline
    init(thread: AnyGreenThread?, deadline: TimeoutScope?) {
        self.thread = thread
        self.deadline = deadline
    }

    /// Not optional: copying an optional into every spawned task costs a generic
    /// metadata lookup per spawn; the default is "no green thread, no deadline".
    @usableFromInline @TaskLocal static var current = WaitContext(thread: nil, deadline: nil)

    /// Runs `makeTask` with `self` bound, so that the task it creates inherits it.
    @usableFromInline
    func bind(_ makeTask: () -> Task<Void, Never>) -> Task<Void, Never> {
        WaitContext.$current.withValue(self, operation: makeTask)
    }
}
