import CGreenlet

/// `Task.checkCancellation()` without its cost: that one retains and releases the current
/// task, two atomic operations on every queue or event call, which a switch cannot afford.
/// Untyped on purpose: a `throws(CancellationError)` call made the async `put` and `get`
/// allocate a frame on every call.
@inline(__always)
func checkCancellation() throws {
    if greenlet_task_is_cancelled(greenlet_current_task()) { throw CancellationError() }
}
